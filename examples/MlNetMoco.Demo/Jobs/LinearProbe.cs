using Microsoft.ML;

namespace MlNetMoco.Demo.Jobs;

/// <summary>
/// The linear protocol of the MoCo papers with an ML.NET trainer: standardise the frozen features, fit
/// L-BFGS maximum entropy (multinomial logistic regression) on the labelled rows, report test accuracy.
/// </summary>
public static class LinearProbe
{
    /// <summary>Micro accuracy on <paramref name="test"/> of a probe fitted on <paramref name="train"/>; both have "Features" and "Label".</summary>
    public static double Accuracy(MLContext ml, IDataView train, IDataView test)
    {
        var pipeline = ml.Transforms.Conversion.MapValueToKey("LabelKey", "Label")
            .Append(ml.Transforms.NormalizeMeanVariance("Features"))
            .Append(ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy("LabelKey", "Features"));
        var model = pipeline.Fit(train);
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(test), labelColumnName: "LabelKey");
        return metrics.MicroAccuracy;
    }

    /// <summary>The first <paramref name="count"/> rows of a seeded permutation of <paramref name="total"/> rows: the labelled subset.</summary>
    public static int[] LabelledRows(int total, int count, int seed)
    {
        var rows = Enumerable.Range(0, total).ToArray();
        new Random(seed).Shuffle(rows);
        return rows[..count];
    }
}
