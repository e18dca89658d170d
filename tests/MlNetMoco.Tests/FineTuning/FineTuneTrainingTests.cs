using Microsoft.ML;
using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Optimization;
using MlNetMoco.Core.Training;
using MlNetMoco.FineTuning;
using MlNetMoco.Tests.TestSupport;

namespace MlNetMoco.Tests.FineTuning;

/// <summary>Where fine-tuning starts, what the linear protocol freezes, and early stopping.</summary>
[Collection(FittedCollection.Name)]
public class FineTuneTrainingTests(FittedTransformerFixture fixture)
{
    private static readonly MLContext Ml = new(seed: 1);

    private static float[] Features(MoCoTransformer moco, IDataView data) =>
        Ml.Data.CreateEnumerable<FeatureRow>(moco.Transform(data), reuseRowObject: false).SelectMany(r => r.Features).ToArray();

    private static float[] BackboneFeatures(FineTuneMoCoTransformer model, int count)
    {
        var images = SyntheticImages.Rows(count).SelectMany(r => r.Pixels.Select(v => v / 255f)).ToArray();
        var features = new float[count * model.Encoder.FeatureDim];
        model.Encoder.Extract(images, count, features);
        return features;
    }

    /// <summary>Equal up to float rounding (the MoCo encoder's split BatchNorm and the classifier's plain one order operations differently).</summary>
    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        float worst = expected.Zip(actual, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(worst <= 1e-5f, $"largest difference {worst}");
    }

    [Fact]
    public void Every_fit_starts_from_the_same_pretrained_weights_and_leaves_them_unchanged()
    {
        using var moco = fixture.Copy();
        var data = Ml.Data.LoadFromEnumerable(FineTuneTestData.Rows(48));
        var before = Features(moco, fixture.Data);
        var trainer = Ml.MulticlassClassification.Trainers.FineTuneMoCo(FineTuneTestData.Tiny(moco, epochs: 2));

        using var first = trainer.Fit(data);
        using var second = trainer.Fit(data);

        Assert.Equal(before, Features(moco, fixture.Data)); // the MoCo encoder is copied, never trained in place
        var a = Ml.Data.CreateEnumerable<ClassifiedRow>(first.Transform(data), reuseRowObject: false).SelectMany(r => r.Score).ToArray();
        var b = Ml.Data.CreateEnumerable<ClassifiedRow>(second.Transform(data), reuseRowObject: false).SelectMany(r => r.Score).ToArray();
        Assert.Equal(a, b); // same start, same seed: the second fit repeats the first exactly
        Assert.NotEqual(BackboneFeatures(first, 4), Features(moco, Ml.Data.LoadFromEnumerable(SyntheticImages.Rows(4)))); // fine-tuning moved the backbone
    }

    [Fact]
    public void Fine_tuning_from_a_saved_MoCo_file_starts_from_its_weights()
    {
        using var dir = new TempDirectory();
        string path = dir.File("moco.zip");
        fixture.Transformer.Save(path);
        var options = FineTuneTestData.Tiny(epochs: 1);
        options.PretrainedPath = path;
        options.BackboneLearningRateScale = 0;
        options.FreezeBatchNorm = true;
        using var model = Ml.MulticlassClassification.Trainers.FineTuneMoCo(options).Fit(Ml.Data.LoadFromEnumerable(FineTuneTestData.Rows(24)));
        var expected = RawFeatures.Of(Features(fixture.Transformer, Ml.Data.LoadFromEnumerable(SyntheticImages.Rows(4))), fixture.Transformer.Encoder.Description.FeatureStandardization); // raw units: the classifier's backbone has no standardisation
        AssertClose(expected, BackboneFeatures(model, 4));
    }

    [Fact]
    public void The_linear_protocol_freezes_the_encoder_including_BatchNorm()
    {
        var options = FineTuneMoCoOptions.LinearProbeProtocol(fixture.Transformer);
        Assert.Equal(30, options.LearningRate);
        Assert.Equal(0, options.WeightDecay);
        Assert.Equal(0.9, options.SgdMomentum);
        Assert.Equal(100, options.Epochs);
        Assert.Equal(LearningRateScheduleKind.Step, options.Schedule);
        Assert.Equal(new[] { 60, 80 }, LearningRateSchedule.StepMilestones(options.Epochs));

        options.Epochs = 2;
        options.BatchSize = 16;
        options.Device = "cpu";
        using var model = Ml.MulticlassClassification.Trainers.FineTuneMoCo(options).Fit(Ml.Data.LoadFromEnumerable(FineTuneTestData.Rows(48)));
        var expected = RawFeatures.Of(Features(fixture.Transformer, Ml.Data.LoadFromEnumerable(SyntheticImages.Rows(4))), fixture.Transformer.Encoder.Description.FeatureStandardization); // raw units: the classifier's backbone has no standardisation
        AssertClose(expected, BackboneFeatures(model, 4)); // weights and BatchNorm statistics untouched
    }

    [Fact]
    public void A_validation_fraction_reports_validation_accuracy_and_can_stop_early()
    {
        var options = FineTuneTestData.Tiny(fixture.Transformer, epochs: 6);
        options.ValidationFraction = 0.25;
        options.EarlyStoppingPatience = 1;
        options.LearningRate = 1e-6; // too small to improve: training stops after patience epochs
        using var model = Ml.MulticlassClassification.Trainers.FineTuneMoCo(options).Fit(Ml.Data.LoadFromEnumerable(FineTuneTestData.Rows(48)));
        Assert.All(model.TrainingHistory, h => Assert.InRange(h.Metrics[ValidationEarlyStopping.MetricName], 0.0, 1.0));
        Assert.True(model.TrainingHistory.Count < 6, $"ran {model.TrainingHistory.Count} epochs");
        Assert.Contains("did not improve", model.StopReason);
    }

    [Fact]
    public void Random_initialisation_is_the_baseline_and_checkpoints_resume()
    {
        using var dir = new TempDirectory();
        var options = FineTuneTestData.Tiny(epochs: 2);
        options.CheckpointDirectory = dir.Path;
        options.CheckpointEveryEpochs = 1;
        var data = Ml.Data.LoadFromEnumerable(FineTuneTestData.Rows(24));
        using var full = Ml.MulticlassClassification.Trainers.FineTuneMoCo(options).Fit(data);
        Assert.Equal(BackboneKind.SmallConvNet, full.Encoder.Backbone.Kind);

        var resumed = FineTuneTestData.Tiny(epochs: 2);
        resumed.ResumeFrom = Directory.GetFiles(dir.Path, "checkpoint-epoch0001*").Single();
        using var again = Ml.MulticlassClassification.Trainers.FineTuneMoCo(resumed).Fit(data);
        Assert.Equal(full.TrainingHistory[^1].Loss, again.TrainingHistory[^1].Loss, 6);
    }
}
