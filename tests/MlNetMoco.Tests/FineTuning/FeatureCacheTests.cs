using Microsoft.ML;
using MlNetMoco.FineTuning;
using MlNetMoco.Tests.TestSupport;

namespace MlNetMoco.Tests.FineTuning;

/// <summary>Pretraining runs once per experiment: cross-validation on cached features never touches the encoder again.</summary>
[Collection(FittedCollection.Name)]
public class FeatureCacheTests(FittedTransformerFixture fixture)
{
    [Fact]
    public void CrossValidate_on_cached_features_runs_after_the_encoder_is_gone()
    {
        var ml = new MLContext(seed: 1);
        using var dir = new TempDirectory();
        string path = dir.File("moco.zip");
        fixture.Transformer.Save(path);
        var data = ml.Data.LoadFromEnumerable(SyntheticImages.Rows(60));

        IDataView features;
        using (var moco = MoCoTransformer.Load(ml, path, "cpu")) // the pretrained file, featurized once
            features = FeatureCache.Featurize(ml, moco, data, ["Label"]);
        // The transformer is disposed: any trial that ran the encoder again would throw ObjectDisposedException.

        var trainer = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy());
        var folds = ml.MulticlassClassification.CrossValidate(features, trainer, numberOfFolds: 3);
        Assert.Equal(3, folds.Count);
        Assert.All(folds, f => Assert.InRange(f.Metrics.MicroAccuracy, 0.0, 1.0));
        Assert.Equal(new[] { "Label", "Features" }, features.Schema.Where(c => !c.IsHidden).Select(c => c.Name));
    }

    [Fact]
    public void A_missing_column_is_named()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(SyntheticImages.Rows(4));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => FeatureCache.Featurize(ml, fixture.Transformer, data, ["Id"]));
        Assert.Contains("'Id'", e.Message);
    }
}
