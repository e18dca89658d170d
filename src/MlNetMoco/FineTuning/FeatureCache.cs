using Microsoft.ML;

namespace MlNetMoco.FineTuning;

/// <summary>
/// "Pretrain once per experiment": runs a fitted featurizer (a <see cref="MoCoTransformer"/>, one loaded from its file,
/// or the chain ending in it) over the data exactly once and keeps the chosen columns in memory, so
/// <c>CrossValidate</c> folds and sweep trials train their downstream trainers on the cached features in seconds and
/// never run (let alone pretrain) the encoder again.
/// </summary>
/// <example>
/// <code>
/// using var moco = MoCoTransformer.Load(mlContext, "moco.zip");            // or the transformer PretrainMoCo fitted
/// var features = FeatureCache.Featurize(mlContext, moco, data, ["Label"]);  // one pass of the encoder
/// var folds = mlContext.MulticlassClassification.CrossValidate(features,
///     mlContext.Transforms.Conversion.MapValueToKey("Label")
///         .Append(mlContext.MulticlassClassification.Trainers.LbfgsMaximumEntropy()), numberOfFolds: 5);
/// </code>
/// </example>
public static class FeatureCache
{
    /// <summary>
    /// Transforms <paramref name="data"/> with <paramref name="featurizer"/>, keeps <paramref name="columns"/> plus
    /// the featurizer's output column, and reads every row once into an in-memory cache. The returned view no longer
    /// depends on the featurizer (it may be disposed).
    /// </summary>
    /// <param name="mlContext">The context.</param>
    /// <param name="featurizer">The fitted featurizer.</param>
    /// <param name="data">The rows to featurize.</param>
    /// <param name="columns">Other columns to keep (labels, ids). The feature column is kept too.</param>
    /// <param name="featureColumnName">The featurizer's output column. Default "Features".</param>
    /// <returns>The cached rows: <paramref name="columns"/> and the feature column.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing after featurizing (the message names it).</exception>
    public static IDataView Featurize(MLContext mlContext, ITransformer featurizer, IDataView data, IReadOnlyList<string> columns,
        string featureColumnName = MoCoOptions.DefaultOutputColumnName)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentNullException.ThrowIfNull(featurizer);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(columns);
        var transformed = featurizer.Transform(data);
        var keep = columns.Append(featureColumnName).Distinct().ToArray();
        foreach (string name in keep)
            if (transformed.Schema.GetColumnOrNull(name) is null)
                throw new ArgumentOutOfRangeException(nameof(columns), $"Column '{name}' is not in the featurized data.");
        var selected = mlContext.Transforms.SelectColumns(keep).Fit(transformed).Transform(transformed);
        var cached = mlContext.Data.Cache(selected, keep);
        using (var cursor = cached.GetRowCursor(cached.Schema)) // one full pass fills the cache
            while (cursor.MoveNext())
            {
            }
        return cached;
    }
}
