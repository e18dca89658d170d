using Microsoft.ML;
using MlNetMoco.Schema;

namespace MlNetMoco.Transform;

/// <summary>
/// The lazy output of <see cref="MoCoTransformer.Transform"/>: the input columns pass through, the feature (and
/// projection) columns are computed in batches by the cursor, and only when a cursor asks for them.
/// </summary>
internal sealed class MoCoDataView : IDataView
{
    private readonly MoCoTransformer _parent;
    private readonly IDataView _input;
    private readonly InputBinding _binding;

    public MoCoDataView(MoCoTransformer parent, IDataView input, InputBinding binding)
    {
        _parent = parent;
        _input = input;
        _binding = binding;
        Schema = OutputColumns.Append(input.Schema, parent.OutputColumnName, parent.FeatureDimension, parent.ProjectionColumnName, parent.ProjectionDimension);
    }

    /// <summary>
    /// False: a cursor reads its input twice in step (once for the pass-through columns, once ahead for the pixel
    /// batches), which needs the same row order; ML.NET shuffles such views with a shuffle buffer.
    /// </summary>
    public bool CanShuffle => false;

    public DataViewSchema Schema { get; }

    public long? GetRowCount() => _input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        int inputCount = _input.Schema.Count;
        var needed = columnsNeeded.Select(c => c.Index).ToHashSet();
        bool features = needed.Contains(inputCount);
        bool projection = _parent.ProjectionColumnName != null && needed.Contains(inputCount + 1);
        var passThrough = needed.Where(i => i < inputCount).Select(i => _input.Schema[i]).ToList();
        var main = _input.GetRowCursor(passThrough);
        DataViewRowCursor? lookahead = null;
        try
        {
            if (features || projection)
                lookahead = _input.GetRowCursor(new[] { _input.Schema[_binding.ColumnName] });
            return new MoCoRowCursor(_parent, Schema, inputCount, main, lookahead, _binding, features, projection);
        }
        catch
        {
            main.Dispose();
            lookahead?.Dispose();
            throw;
        }
    }

    /// <summary>One cursor (the batching cursor reads ahead, so the input is not split); allowed by the contract.</summary>
    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        new[] { GetRowCursor(columnsNeeded, rand) };
}
