using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Methods;
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
        Assert.Equal((65536, 0.999, 0.03, 8, 255f), (o.QueueSize, o.EncoderMomentum, o.BaseLearningRate, o.BatchNormSplits, o.InputScale));
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
            EncoderMomentum = 0.99, Temperature = 0.1, BatchNormSplits = 4, Epochs = 7, BatchSize = 32, BaseLearningRate = 0.06,
            SgdMomentum = 0.8, WeightDecay = 5e-4, Schedule = Core.Optimization.LearningRateScheduleKind.Cosine, WarmupEpochs = 2,
            Augmentation = Core.Augmentations.AugmentationPreset.MoCoV2, CropSize = 24, Device = "cpu", Seed = 11,
            CheckpointDirectory = "/tmp/x", CheckpointEveryEpochs = 3, ResumeFrom = "/tmp/x/c.ckpt", KnnNeighbors = 20, KnnTemperature = 0.07,
        };
        var p = options.ToPretrainOptions(channels: 1);

        Assert.Equal(new BackboneSpec(BackboneKind.ResNet34, 1, SmallImageStem: true), p.Backbone);
        Assert.Equal((MoCoVersion.V1, 64, 4096, 0.99, 0.1, 4), (p.Version, p.ProjectionDim, p.QueueSize, p.EncoderMomentum, p.Temperature!.Value, p.BatchNormSplits));
        Assert.Equal((7, 32, 0.06, 0.8, 5e-4, 2, 24), (p.Epochs, p.BatchSize, p.BaseLearningRate, p.SgdMomentum, p.WeightDecay, p.WarmupEpochs, p.CropSize!.Value));
        Assert.Equal(Core.Optimization.LearningRateScheduleKind.Cosine, p.Schedule);
        Assert.Equal(Core.Augmentations.AugmentationPreset.MoCoV2, p.Augmentation);
        Assert.Equal(("cpu", 11, "/tmp/x", 3, "/tmp/x/c.ckpt", 20, 0.07), (p.Device, p.Seed, p.CheckpointDirectory, p.CheckpointEveryEpochs, p.ResumeFrom, p.KnnNeighbors, p.KnnTemperature));
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
