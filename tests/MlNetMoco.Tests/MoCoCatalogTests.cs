using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetMoco.Tests.TestSupport;

namespace MlNetMoco.Tests;

/// <summary>The catalog entry inside whole ML.NET pipelines.</summary>
public class MoCoCatalogTests
{
    private readonly MLContext _ml = new(seed: 1);

    [Fact]
    public void Features_feed_a_multiclass_trainer_end_to_end()
    {
        var train = _ml.Data.LoadFromEnumerable(SyntheticImages.Rows(48, seed: 1));
        var test = _ml.Data.LoadFromEnumerable(SyntheticImages.Rows(24, seed: 2));
        var pipeline = _ml.Transforms.PretrainMoCo(TestOptions.Tiny(epochs: 2))
            .Append(_ml.Transforms.Conversion.MapValueToKey("LabelKey", "Label"))
            .AppendCacheCheckpoint(_ml) // L-BFGS makes many passes: compute the features once
            .Append(_ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy("LabelKey", "Features"));

        using var model = pipeline.Fit(train); // disposing the chain disposes the MoCo encoder
        var metrics = _ml.MulticlassClassification.Evaluate(model.Transform(test), "LabelKey");

        Assert.Equal(3, metrics.ConfusionMatrix.NumberOfClasses);
        Assert.True(double.IsFinite(metrics.LogLoss));
        // Stripes and checkerboards of random phase: raw pixels are not linearly separable (≈ chance), the features are.
        Assert.True(metrics.MicroAccuracy > 0.6, $"accuracy {metrics.MicroAccuracy}");
    }

    [Fact]
    public void LoadImages_ResizeImages_ExtractPixels_then_MoCo_runs_on_real_photos()
    {
        using var dir = new TempDirectory();
        var files = Photos.CopyTo(dir);
        var data = _ml.Data.LoadFromEnumerable(files);
        var options = TestOptions.Tiny();
        var pipeline = _ml.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: "Path")
            .Append(_ml.Transforms.ResizeImages("Image", imageWidth: 16, imageHeight: 16))
            .Append(_ml.Transforms.ExtractPixels("Pixels", "Image"))
            .Append(_ml.Transforms.PretrainMoCo(options));

        using var model = pipeline.Fit(data);
        var output = model.Transform(data);

        var moco = model.LastTransformer;
        Assert.Equal(new Core.Data.ImageShape(3, 16, 16), moco.InputShape);
        var features = output.GetColumn<float[]>("Features").ToList();
        Assert.Equal(files.Count, features.Count);
        Assert.All(features, f => Assert.Equal(256, f.Length));
        Assert.All(features, f => Assert.All(f, v => Assert.True(float.IsFinite(v))));
    }
}
