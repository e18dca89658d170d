using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetMoco.Data;
using MlNetMoco.Schema;

namespace MlNetMoco.Transform;

/// <summary>
/// The single-row path of the transformer (used by <c>PredictionEngine</c>): each row's features are computed
/// alone (a batch of one, eval mode), once per row position.
/// </summary>
internal sealed class MoCoRowMapper : IRowToRowMapper
{
    private readonly MoCoTransformer _parent;
    private readonly InputBinding _binding;

    public MoCoRowMapper(MoCoTransformer parent, DataViewSchema inputSchema, InputBinding binding)
    {
        _parent = parent;
        _binding = binding;
        InputSchema = inputSchema;
        OutputSchema = OutputColumns.Append(inputSchema, parent.OutputColumnName, parent.FeatureDimension, parent.ProjectionColumnName, parent.ProjectionDimension);
    }

    public DataViewSchema InputSchema { get; }

    public DataViewSchema OutputSchema { get; }

    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns)
    {
        int inputCount = InputSchema.Count;
        var result = new List<DataViewSchema.Column>();
        bool outputs = false;
        foreach (var column in dependingColumns)
        {
            if (column.Index < inputCount) result.Add(InputSchema[column.Index]);
            else outputs = true;
        }
        if (outputs)
        {
            var pixels = InputSchema[_binding.ColumnName];
            if (!result.Any(c => c.Index == pixels.Index)) result.Add(pixels);
        }
        return result;
    }

    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns)
    {
        int inputCount = InputSchema.Count;
        var active = activeColumns.Select(c => c.Index).ToHashSet();
        bool features = active.Contains(inputCount);
        bool projection = _parent.ProjectionColumnName != null && active.Contains(inputCount + 1);
        return new Row(this, input, features, projection);
    }

    private sealed class Row : DataViewRow
    {
        private readonly MoCoRowMapper _mapper;
        private readonly DataViewRow _input;
        private readonly bool _featuresActive;
        private readonly bool _projectionActive;
        private readonly PixelRowReader? _reader;
        private readonly float[] _pixels;
        private readonly float[] _features;
        private readonly float[] _projections;
        private long _computedPosition = long.MinValue;

        public Row(MoCoRowMapper mapper, DataViewRow input, bool features, bool projection)
        {
            _mapper = mapper;
            _input = input;
            _featuresActive = features;
            _projectionActive = projection;
            var parent = mapper._parent;
            if (features || projection)
            {
                _reader = new PixelRowReader(input, mapper._binding, parent.InputScale, parent.RangeWarning, parent.Log);
                _pixels = new float[mapper._binding.Shape.Size];
                _features = new float[parent.FeatureDimension];
                _projections = projection ? new float[parent.ProjectionDimension] : Array.Empty<float>();
            }
            else
            {
                _pixels = _features = _projections = Array.Empty<float>();
            }
        }

        public override DataViewSchema Schema => _mapper.OutputSchema;

        public override long Position => _input.Position;

        public override long Batch => _input.Batch;

        public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column)
        {
            int inputCount = _mapper.InputSchema.Count;
            if (column.Index < inputCount) return _input.IsColumnActive(_input.Schema[column.Index]);
            return column.Index == inputCount ? _featuresActive : _projectionActive;
        }

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            int inputCount = _mapper.InputSchema.Count;
            if (column.Index < inputCount) return _input.GetGetter<TValue>(_input.Schema[column.Index]);
            bool isFeatures = column.Index == inputCount;
            if (!(isFeatures ? _featuresActive : _projectionActive))
                throw new InvalidOperationException($"Column '{column.Name}' was not requested when the row was created.");
            if (typeof(TValue) != typeof(VBuffer<float>))
                throw new InvalidOperationException($"Column '{column.Name}' is a Vector<Single>; a getter of {typeof(TValue)} was asked for.");
            var source = isFeatures ? _features : _projections;
            ValueGetter<VBuffer<float>> getter = (ref VBuffer<float> value) =>
            {
                Compute();
                var editor = VBufferEditor.Create(ref value, source.Length);
                source.AsSpan().CopyTo(editor.Values);
                value = editor.Commit();
            };
            return (ValueGetter<TValue>)(Delegate)getter;
        }

        private void Compute()
        {
            long position = _input.Position;
            if (position == _computedPosition) return;
            _reader!.Read(_pixels);
            _mapper._parent.Compute(_pixels, 1, _features, _projectionActive ? _projections : Span<float>.Empty);
            _computedPosition = position;
        }
    }
}
