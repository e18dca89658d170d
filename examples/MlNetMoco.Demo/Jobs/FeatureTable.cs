using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetMoco.Demo.Jobs;

/// <summary>Feature vectors with their class names as an ML.NET data view (the vector size set in the schema, as trainers need).</summary>
public static class FeatureTable
{
    private sealed class Row
    {
        public float[] Features { get; set; } = Array.Empty<float>();
        public string Label { get; set; } = "";
    }

    /// <summary>A data view with a known-size "Features" vector column and a "Label" text column.</summary>
    public static IDataView Create(MLContext ml, IReadOnlyList<float[]> features, IReadOnlyList<string> labels, IReadOnlyList<int>? rows = null)
    {
        rows ??= Enumerable.Range(0, features.Count).ToArray();
        int dim = features[rows[0]].Length;
        var schema = SchemaDefinition.Create(typeof(Row));
        schema[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, dim);
        return ml.Data.LoadFromEnumerable(rows.Select(i => new Row { Features = features[i], Label = labels[i] }).ToList(), schema);
    }

    /// <summary>Reads a vector column of <paramref name="view"/> into arrays.</summary>
    public static float[][] Column(IDataView view, string column) => view.GetColumn<float[]>(column).ToArray();
}
