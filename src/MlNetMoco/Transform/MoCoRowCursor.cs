using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetMoco.Data;
using MlNetMoco.Schema;

namespace MlNetMoco.Transform;

/// <summary>
/// Cursor of <see cref="MoCoDataView"/>. Pass-through columns come from the main input cursor. The first time a
/// feature getter is called for a row outside the current batch, a second input cursor (reading only the pixel
/// column, kept in step by row position) reads that row and the next TransformBatchSize − 1, and the encoder
/// computes them in one forward pass. Rows whose features are never asked for are never computed.
/// </summary>
internal sealed class MoCoRowCursor : DataViewRowCursor
{
    private readonly MoCoTransformer _parent;
    private readonly int _inputCount;
    private readonly DataViewRowCursor _main;
    private readonly DataViewRowCursor? _lookahead;
    private readonly PixelRowReader? _reader;
    private readonly bool _featuresActive;
    private readonly bool _projectionActive;
    private readonly int _batchSize;
    private readonly int _imageSize;
    private readonly float[] _pixels;
    private readonly float[] _features;
    private readonly float[] _projections;
    private long _batchStart = -1;
    private int _batchCount;
    private bool _disposed;

    public MoCoRowCursor(MoCoTransformer parent, DataViewSchema schema, int inputCount, DataViewRowCursor main,
        DataViewRowCursor? lookahead, InputBinding binding, bool featuresActive, bool projectionActive)
    {
        _parent = parent;
        Schema = schema;
        _inputCount = inputCount;
        _main = main;
        _lookahead = lookahead;
        _featuresActive = featuresActive;
        _projectionActive = projectionActive;
        _batchSize = parent.TransformBatchSize;
        _imageSize = binding.Shape.Size;
        if (lookahead != null)
        {
            _reader = new PixelRowReader(lookahead, binding, parent.InputScale, parent.RangeWarning, parent.Log);
            _pixels = new float[_batchSize * _imageSize];
            _features = new float[_batchSize * parent.FeatureDimension];
            _projections = projectionActive ? new float[_batchSize * parent.ProjectionDimension] : Array.Empty<float>();
        }
        else
        {
            _pixels = _features = _projections = Array.Empty<float>();
        }
    }

    public override DataViewSchema Schema { get; }

    public override long Position => _main.Position;

    public override long Batch => _main.Batch;

    public override ValueGetter<DataViewRowId> GetIdGetter() => _main.GetIdGetter();

    public override bool IsColumnActive(DataViewSchema.Column column)
    {
        if (column.Index < _inputCount) return _main.IsColumnActive(_main.Schema[column.Index]);
        return column.Index == _inputCount ? _featuresActive : _projectionActive;
    }

    public override bool MoveNext()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _main.MoveNext();
    }

    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
    {
        if (column.Index < _inputCount) return _main.GetGetter<TValue>(_main.Schema[column.Index]);
        bool isFeatures = column.Index == _inputCount;
        if (!(isFeatures ? _featuresActive : _projectionActive))
            throw new InvalidOperationException($"Column '{column.Name}' was not requested when the cursor was created.");
        if (typeof(TValue) != typeof(VBuffer<float>))
            throw new InvalidOperationException($"Column '{column.Name}' is a Vector<Single>; a getter of {typeof(TValue)} was asked for.");
        int dim = isFeatures ? _parent.FeatureDimension : _parent.ProjectionDimension;
        float[] source = isFeatures ? _features : _projections;
        ValueGetter<VBuffer<float>> getter = (ref VBuffer<float> value) =>
        {
            int index = EnsureBatch();
            var editor = VBufferEditor.Create(ref value, dim);
            source.AsSpan(index * dim, dim).CopyTo(editor.Values);
            value = editor.Commit();
        };
        return (ValueGetter<TValue>)(Delegate)getter;
    }

    /// <summary>Computes the batch holding the current row if needed; returns the row's index in the batch.</summary>
    private int EnsureBatch()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        long position = _main.Position;
        if (position < 0) throw new InvalidOperationException("The cursor is not on a row: call MoveNext first.");
        if (position >= _batchStart && position < _batchStart + _batchCount) return (int)(position - _batchStart);

        var lookahead = _lookahead!;
        while (lookahead.Position < position)
            if (!lookahead.MoveNext())
                throw new InvalidOperationException("The input data view returned fewer rows on a second cursor than on the first; MoCo's Transform needs a data view that gives the same rows to every cursor.");
        int count = 0;
        while (true)
        {
            _reader!.Read(_pixels.AsSpan(count * _imageSize, _imageSize));
            count++;
            if (count == _batchSize || !lookahead.MoveNext()) break;
        }
        _batchStart = position;
        _batchCount = count;
        _parent.Compute(_pixels.AsSpan(0, count * _imageSize), count,
            _features.AsSpan(0, count * _parent.FeatureDimension),
            _projectionActive ? _projections.AsSpan(0, count * _parent.ProjectionDimension) : Span<float>.Empty);
        return 0;
    }

    protected override void Dispose(bool disposing)
    {
        if (_disposed) return;
        _disposed = true;
        if (disposing)
        {
            _main.Dispose();
            _lookahead?.Dispose();
        }
        base.Dispose(disposing);
    }
}
