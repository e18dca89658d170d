using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetMoco.Tests.TestSupport;

namespace MlNetMoco.Tests;

/// <summary><see cref="MoCoOptions.StandardizeFeatures"/>: the feature column as ML.NET trainers receive it.</summary>
public class StandardizeFeaturesTests
{
    private readonly MLContext _ml = new(seed: 1);

    private static float[][] Features(ITransformer model, IDataView data) =>
        model.Transform(data).GetColumn<float[]>("Features").ToArray();

    [Fact]
    public void By_default_the_features_have_zero_mean_and_unit_variance_on_the_Fit_data_and_off_gives_the_raw_features()
    {
        var data = _ml.Data.LoadFromEnumerable(SyntheticImages.Rows(40));
        var standardisedOptions = TestOptions.Tiny();
        Assert.True(standardisedOptions.StandardizeFeatures);
        using var standardised = _ml.Transforms.PretrainMoCo(standardisedOptions).Fit(data);
        var rawOptions = TestOptions.Tiny();
        rawOptions.StandardizeFeatures = false;
        using var raw = _ml.Transforms.PretrainMoCo(rawOptions).Fit(data);

        var z = Features(standardised, data);
        var f = Features(raw, data);
        int dim = z[0].Length, live = 0;
        var statistics = standardised.Encoder.FeatureStandardization!;
        Assert.Null(raw.Encoder.FeatureStandardization);
        for (int d = 0; d < dim; d++)
        {
            double mean = z.Average(row => row[d]);
            double std = Math.Sqrt(z.Average(row => Math.Pow(row[d] - mean, 2)));
            Assert.True(Math.Abs(mean) < 1e-4, $"dimension {d}: mean {mean}");
            if (std > 1e-6) Assert.True(Math.Abs(std - 1) < 1e-3, $"dimension {d}: std {std}");
            if (std > 1e-6) live++;
            // Same seed, same training on the CPU: switching the option off gives the raw features back.
            for (int r = 0; r < z.Length; r++)
                Assert.Equal(f[r][d], z[r][d] * statistics.Std[d] + statistics.Mean[d], 4);
        }
        Assert.True(live > dim / 2, $"only {live} of {dim} dimensions vary");
        Assert.True(f.Average(row => row.Average(Math.Abs)) < 0.5, "raw features are expected to be small, or this test shows nothing");
    }

    [Fact]
    public void The_README_pipeline_without_a_normaliser_is_far_above_chance_with_few_labels()
    {
        var unlabelled = _ml.Data.LoadFromEnumerable(SyntheticImages.Rows(96, seed: 1));
        var labelled = _ml.Data.LoadFromEnumerable(SyntheticImages.Rows(12, seed: 3)); // 4 labels per class
        var test = _ml.Data.LoadFromEnumerable(SyntheticImages.Rows(60, seed: 2));
        using var moco = _ml.Transforms.PretrainMoCo(TestOptions.Tiny(epochs: 2)).Fit(unlabelled);
        var probe = _ml.Transforms.Conversion.MapValueToKey("LabelKey", "Label")
            .Append(_ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy("LabelKey", "Features"))
            .Fit(moco.Transform(labelled));

        var metrics = _ml.MulticlassClassification.Evaluate(probe.Transform(moco.Transform(test)), "LabelKey");
        Assert.True(metrics.MicroAccuracy > 0.7, $"accuracy {metrics.MicroAccuracy} with 12 labels (chance: 0.33)");
    }
}
