using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Methods;
using MlNetMoco.Core.Optimization;
using MlNetMoco.Core.Training;
using MlNetMoco.Tests.TestSupport;

namespace MlNetMoco.Tests;

public class MoCoEstimatorTests
{
    private readonly MLContext _ml = new(seed: 1);

    [Fact]
    public void The_flat_catalog_overload_sets_its_arguments_and_keeps_the_other_defaults()
    {
        var estimator = _ml.Transforms.PretrainMoCo("Out", "In", imageHeight: 8, imageWidth: 9, imageChannels: 1, epochs: 3, batchSize: 16,
            version: MoCoVersion.V1, backbone: BackboneKind.SmallConvNet, device: "cpu", seed: 5);
        var o = estimator.Options;

        Assert.Equal(("Out", "In", 8, 9, 1), (o.OutputColumnName, o.InputColumnName, o.ImageHeight!.Value, o.ImageWidth!.Value, o.ImageChannels!.Value));
        Assert.Equal((3, 16, MoCoVersion.V1, BackboneKind.SmallConvNet, "cpu", 5), (o.Epochs, o.BatchSize, o.Version, o.Backbone, o.Device, o.Seed));
        Assert.Equal((8, 255f, MoCoRecipe.Auto), (o.BatchNormSplits, o.InputScale, o.Recipe));
        Assert.Equal(((int?)null, (double?)null, (double?)null), (o.QueueSize, o.EncoderMomentum, o.BaseLearningRate)); // the recipe decides
    }

    [Fact]
    public void The_estimator_copies_its_options()
    {
        var options = TestOptions.Tiny();
        var estimator = _ml.Transforms.PretrainMoCo(options);
        options.Epochs = 999;
        options.OutputColumnName = "Changed";

        Assert.Equal(1, estimator.Options.Epochs);
        Assert.Equal("Features", estimator.Options.OutputColumnName);
    }

    [Fact]
    public void The_options_map_every_training_setting_to_the_core()
    {
        var options = new MoCoOptions
        {
            Version = MoCoVersion.V1, Backbone = BackboneKind.ResNet34, SmallImageStem = true, ProjectionDim = 64, QueueSize = 4096,
            EncoderMomentum = 0.99, Temperature = 0.1, BatchNormSplits = 4, ExcludeSameImageNegatives = false, Epochs = 7, BatchSize = 32,
            BaseLearningRate = 0.06, Optimizer = OptimizerKind.Lars, SgdMomentum = 0.8, WeightDecay = 5e-4, Schedule = LearningRateScheduleKind.Cosine,
            WarmupEpochs = 2, Augmentation = Core.Augmentations.AugmentationPreset.MoCoV2, CropSize = 24, CropScaleMin = 0.3, CropScaleMax = 0.9,
            HorizontalFlip = false, Device = "cpu", Seed = 11, CheckpointDirectory = "/tmp/x", CheckpointEveryEpochs = 3, ResumeFrom = "/tmp/x/c.ckpt",
        };
        var t = options.ToTrainingOptions(channels: 1);
        var m = Assert.IsType<MoCoMethodOptions>(t.Method);

        Assert.Equal(new BackboneSpec(BackboneKind.ResNet34, 1, SmallImageStem: true), t.Backbone);
        Assert.Equal((MoCoVersion.V1, 64, 4096, 0.99, 0.1, 4, false), (m.Version, m.ProjectionDim, m.QueueSize, m.EncoderMomentum, m.Temperature!.Value, m.BatchNormSplits, m.ExcludeSameImageNegatives));
        Assert.Equal((Core.Augmentations.AugmentationPreset.MoCoV2, 24, 0.3, 0.9, false), (m.Augmentation!.Value, m.CropSize!.Value, m.CropScaleMin, m.CropScaleMax, m.HorizontalFlip));
        Assert.Equal((7, 32, 0.06, 2, LearningRateScheduleKind.Cosine), (t.Epochs, t.BatchSize, t.BaseLearningRate, t.WarmupEpochs, t.Schedule!.Value));
        Assert.Equal((OptimizerKind.Lars, 0.8, 5e-4), (t.Optimizer.Kind, t.Optimizer.Momentum, t.Optimizer.WeightDecay));
        Assert.Equal(("cpu", 11, "/tmp/x", 3, "/tmp/x/c.ckpt"), (t.Device, t.Seed, t.CheckpointDirectory, t.CheckpointEveryEpochs, t.ResumeFrom));
    }

    [Theory]
    [InlineData(nameof(MoCoOptions.SgdMomentum), "MoCoOptions.SgdMomentum = 1.5 is not valid")]
    [InlineData(nameof(MoCoOptions.QueueSize), "MoCoOptions.QueueSize = 0 is not valid")]
    [InlineData(nameof(MoCoOptions.CropScaleMin), "MoCoOptions.CropScaleMin = 0, CropScaleMax = 1 are not valid")]
    [InlineData(nameof(MoCoOptions.BatchSize), "MoCoOptions.BatchSize = 12 is not valid: expected a multiple of BatchNormSplits (8)")]
    [InlineData(nameof(MoCoOptions.Epochs), "MoCoOptions.Epochs = 0 is not valid")]
    public void The_core_checks_name_the_MoCoOptions_property(string property, string expected)
    {
        var options = new MoCoOptions();
        switch (property)
        {
            case nameof(MoCoOptions.SgdMomentum): options.SgdMomentum = 1.5; break;
            case nameof(MoCoOptions.QueueSize): options.QueueSize = 0; break;
            case nameof(MoCoOptions.CropScaleMin): options.CropScaleMin = 0; break;
            case nameof(MoCoOptions.BatchSize): options.BatchSize = 12; break;
            case nameof(MoCoOptions.Epochs): options.Epochs = 0; break;
        }
        var error = Assert.Throws<ArgumentException>(() => options.ToTrainingOptions(3));
        Assert.StartsWith(expected, error.Message);
        Assert.Equal(property, error.ParamName);
    }

    [Fact]
    public void An_invalid_training_setting_fails_before_the_data_is_read()
    {
        var options = TestOptions.Tiny(batchSize: 9); // not a multiple of BatchNormSplits = 2
        var error = Assert.Throws<ArgumentException>(() => _ml.Transforms.PretrainMoCo(options).Fit(_ml.Data.LoadFromEnumerable(SyntheticImages.Rows(32))));
        Assert.Contains("BatchSize", error.Message);
    }

    [Fact]
    public void An_empty_input_is_rejected_with_a_clear_message()
    {
        var error = Assert.Throws<ArgumentException>(() => _ml.Transforms.PretrainMoCo(TestOptions.Tiny()).Fit(_ml.Data.LoadFromEnumerable(new List<PixelRow>())));
        Assert.Contains("no rows", error.Message);
        Assert.Contains("'Pixels'", error.Message);
    }

    [Fact]
    public void An_input_smaller_than_one_batch_is_rejected_with_a_clear_message()
    {
        var error = Assert.Throws<ArgumentException>(() => _ml.Transforms.PretrainMoCo(TestOptions.Tiny(batchSize: 16)).Fit(_ml.Data.LoadFromEnumerable(SyntheticImages.Rows(10))));
        Assert.Contains("10 images", error.Message);
        Assert.Contains("fewer than one batch of 16", error.Message);
        Assert.Contains("BatchSize", error.Message);
    }

    [Fact]
    public void Progress_is_reported_for_every_step_and_epoch()
    {
        var reports = new List<TrainingProgress>();
        var options = TestOptions.Tiny(epochs: 2);
        options.Progress = new SyncProgress<TrainingProgress>(reports.Add);

        using var transformer = _ml.Transforms.PretrainMoCo(options).Fit(_ml.Data.LoadFromEnumerable(SyntheticImages.Rows(32)));

        Assert.Equal(2 * 4, reports.Count(r => !r.EndOfEpoch)); // 32 images / 8 = 4 steps per epoch
        Assert.Equal(2, reports.Count(r => r.EndOfEpoch));
        Assert.Equal(2, transformer.TrainingHistory.Count);
    }

    [Fact]
    public void Cancelling_from_the_progress_callback_stops_Fit_promptly()
    {
        using var cancellation = new CancellationTokenSource();
        int steps = 0;
        var options = TestOptions.Tiny(epochs: 500); // minutes of work if not cancelled
        options.CancellationToken = cancellation.Token;
        options.Progress = new SyncProgress<TrainingProgress>(_ =>
        {
            steps++;
            cancellation.Cancel();
        });
        var data = _ml.Data.LoadFromEnumerable(SyntheticImages.Rows(64));
        var estimator = _ml.Transforms.PretrainMoCo(options);

        var clock = Stopwatch.StartNew();
        Assert.ThrowsAny<OperationCanceledException>(() => estimator.Fit(data));
        clock.Stop();

        Assert.True(steps <= 2, $"{steps} steps ran after cancellation");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"Fit took {clock.Elapsed} to stop");
    }

    [Fact]
    public void A_token_cancelled_before_Fit_stops_it_at_once()
    {
        var options = TestOptions.Tiny();
        options.CancellationToken = new CancellationToken(canceled: true);
        Assert.ThrowsAny<OperationCanceledException>(() => _ml.Transforms.PretrainMoCo(options).Fit(_ml.Data.LoadFromEnumerable(SyntheticImages.Rows(32))));
    }

    [Fact]
    public void The_same_seed_on_the_cpu_gives_identical_features()
    {
        var data = _ml.Data.LoadFromEnumerable(SyntheticImages.Rows(32));
        using var first = _ml.Transforms.PretrainMoCo(TestOptions.Tiny()).Fit(data);
        using var second = _ml.Transforms.PretrainMoCo(TestOptions.Tiny()).Fit(data);

        var a = first.Transform(data).GetColumn<float[]>("Features").ToList();
        var b = second.Transform(data).GetColumn<float[]>("Features").ToList();
        Assert.Equal(a, b);
    }

    [Fact]
    public void The_knn_monitor_built_from_data_views_reports_an_accuracy_each_epoch()
    {
        var labelled = _ml.Data.LoadFromEnumerable(SyntheticImages.Rows(30, seed: 2));
        var test = _ml.Data.LoadFromEnumerable(SyntheticImages.Rows(12, seed: 3));
        var options = TestOptions.Tiny();
        options.KnnNeighbors = 5;
        options.KnnMonitor = MoCoKnnMonitor.FromDataViews(labelled, test, "Label", options);

        using var transformer = _ml.Transforms.PretrainMoCo(options).Fit(_ml.Data.LoadFromEnumerable(SyntheticImages.Rows(32)));

        var epoch = Assert.Single(transformer.TrainingHistory);
        Assert.NotNull(epoch.KnnAccuracy);
        Assert.InRange(epoch.KnnAccuracy!.Value, 0, 1);
        Assert.Equal(30, options.KnnMonitor.TrainLabels.Length);
        Assert.Equal(new[] { 0, 1, 2 }, options.KnnMonitor.TestLabels.Distinct().Order());
    }
}
