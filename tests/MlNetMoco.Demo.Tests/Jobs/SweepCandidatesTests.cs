using MlNetMoco.Core.Training;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetMoco.Demo.Jobs;
using MlNetMoco.FineTuning;

namespace MlNetMoco.Demo.Tests.Jobs;

public class SweepCandidatesTests
{
    private sealed class FeatureRow
    {
        [VectorType(8)]
        public float[] Features { get; set; } = [];

        public string Label { get; set; } = "";
    }

    /// <summary>Three well-separated classes in 8 dimensions (class c has mean 3 on dimension c), seeded noise.</summary>
    private static IDataView Separable(MLContext ml, int perClass)
    {
        var random = new Random(5);
        var rows = new List<FeatureRow>();
        for (int i = 0; i < perClass; i++)
            for (int c = 0; c < 3; c++)
            {
                var f = Enumerable.Range(0, 8).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
                f[c] += 3;
                rows.Add(new FeatureRow { Features = f, Label = $"class{c}" });
            }
        return ml.Data.LoadFromEnumerable(rows);
    }

    [Fact]
    public void Frozen_feature_candidates_are_four_trainers_with_three_distinct_settings_each()
    {
        var candidates = SweepCandidates.FrozenFeature();
        Assert.Equal(12, candidates.Count);
        var byTrainer = candidates.GroupBy(c => c.Trainer).ToDictionary(g => g.Key, g => g.Select(c => c.Settings).ToList());
        Assert.Equal(new[] { "LbfgsMaximumEntropy", "LightGbm", "OneVersusAll(FastTree)", "SdcaMaximumEntropy" }, byTrainer.Keys.Order());
        Assert.All(byTrainer.Values, settings => Assert.Equal(3, settings.Distinct().Count()));
        Assert.All(candidates, c => Assert.False(c.FineTune));
        Assert.Equal(candidates.Count, candidates.Select(c => c.Name).Distinct().Count());
    }

    [Fact]
    public void Every_frozen_feature_candidate_fits_and_beats_chance_on_separable_features()
    {
        var ml = new MLContext(seed: 1);
        var train = Separable(ml, 40);
        var test = Separable(ml, 10);
        foreach (var candidate in SweepCandidates.FrozenFeature())
        {
            var model = ml.Transforms.Conversion.MapValueToKey(SweepCandidates.Label).Append(candidate.Create(ml)).Fit(train);
            var metrics = ml.MulticlassClassification.Evaluate(model.Transform(test), SweepCandidates.Label);
            Assert.True(metrics.MicroAccuracy > 0.8, $"{candidate.Name}: accuracy {metrics.MicroAccuracy:P0} on separable classes");
        }
    }

    [Fact]
    public void FineTune_candidates_read_pixels_start_from_the_given_encoder_and_grow_in_cost()
    {
        var candidates = SweepCandidates.FineTune(null, "Pixels", epochs: 4, device: "cpu", seed: 7);
        Assert.Equal(3, candidates.Count);
        Assert.All(candidates, c => Assert.True(c.FineTune));
        Assert.Equal(new[] { 4, 4, 8 }, candidates.Select(c => c.Epochs));
        var ml = new MLContext(seed: 1);
        var options = candidates.Select(c => ((FineTuneMoCoEstimator)c.Create(ml)).Options).ToList();
        Assert.All(options, o => Assert.Equal("Pixels", o.InputColumnName));
        Assert.All(options, o => Assert.Equal(SweepCandidates.Label, o.LabelColumnName));
        Assert.All(options, o => Assert.Null(o.Pretrained));
        Assert.All(options, o => Assert.Equal(7, o.Seed));
        Assert.Equal(candidates.Select(c => c.Epochs), options.Select(o => o.Epochs));
        // The first is the classifier alone on the frozen encoder; the others train the backbone at the default rate.
        Assert.Equal(0, options[0].BackboneLearningRateScale);
        Assert.True(options[0].FreezeBatchNorm);
        Assert.All(options.Skip(1), o => Assert.Equal(MoCoDefaults.FineTuneBackboneLearningRateScale, o.BackboneLearningRateScale, 9));
        Assert.All(options.Skip(1), o => Assert.False(o.FreezeBatchNorm));
        Assert.Throws<ArgumentOutOfRangeException>(() => SweepCandidates.FineTune(null, "Pixels", epochs: 0));
    }
}
