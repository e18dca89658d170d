using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetMoco.Transform;

/// <summary>The output schema of the transformer: every input column, then Features (and Projection when asked for).</summary>
internal static class OutputColumns
{
    /// <summary>The input schema followed by the output columns.</summary>
    public static DataViewSchema Append(DataViewSchema input, string features, int featureDim, string? projection, int projectionDim)
    {
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(input);
        builder.AddColumn(features, new VectorDataViewType(NumberDataViewType.Single, featureDim));
        if (projection != null)
            builder.AddColumn(projection, new VectorDataViewType(NumberDataViewType.Single, projectionDim));
        return builder.ToSchema();
    }
}
