using System.Globalization;
using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Data;
using MlNetMoco.Core.Methods;
using MlNetMoco.Core.Training;

namespace MlNetMoco.Benchmarks;

/// <summary>
/// Pretraining throughput of the real loop (<see cref="Pretrainer.Run"/> on random images, a few epochs, the first one
/// skipped as warm-up) for each backbone at its typical size, beside the bare encoder forward+backward of one batch,
/// and the two other parts of a MoCo step (key-encoder forward, two augmented views). Peak memory is the loop's.
/// </summary>
internal sealed class PretrainBenchmark : IBenchmark
{
    /// <inheritdoc />
    public string Name => "pretrain";

    /// <inheritdoc />
    public string Description => "MoCo v2 pretraining loop images/s and peak memory per backbone, vs bare encoder forward+backward";

    /// <inheritdoc />
    public IEnumerable<BenchmarkCase> Cases(BenchmarkSettings settings)
    {
        int epochs = Epochs(settings);
        foreach (var scenario in Scenarios(settings))
            yield return new BenchmarkCase($"{Name}/{scenario.Id}",
                string.Create(CultureInfo.InvariantCulture,
                    $"{scenario.Name} {scenario.Shape}, batch {scenario.BatchSize}, {scenario.ImageCount} images (K = {scenario.ImageCount}), {epochs} epochs"),
                (s, context) => Run(scenario, s, context));
    }

    /// <summary>Epochs of the loop: the first is warm-up, the others are measured.</summary>
    private static int Epochs(BenchmarkSettings settings) => settings.Quick ? 2 : 3;

    private static IEnumerable<PretrainScenario> Scenarios(BenchmarkSettings settings)
    {
        bool cuda = settings.IsCuda, quick = settings.Quick;
        // The GPU runs far more steps in the same time; more steps give a steadier median there.
        int scale = cuda ? 8 : 1;
        yield return new PretrainScenario("smallconvnet-1x28x28", "SmallConvNet", new BackboneSpec(BackboneKind.SmallConvNet, InChannels: 1),
            new ImageShape(1, 28, 28), 256, (quick ? 12 : 24) * scale);
        yield return new PretrainScenario("resnet18-small-3x32x32", "ResNet-18 small stem", new BackboneSpec(BackboneKind.ResNet18, 3, SmallImageStem: true),
            new ImageShape(3, 32, 32), 128, (quick ? 4 : 6) * scale);
        if (!quick || cuda)
            yield return new PretrainScenario("resnet50-small-3x32x32", "ResNet-50 small stem", new BackboneSpec(BackboneKind.ResNet50, 3, SmallImageStem: true),
                new ImageShape(3, 32, 32), 64, (quick ? 3 : 4) * scale);
        if (cuda)
            yield return new PretrainScenario("resnet18-imagenet-3x224x224", "ResNet-18 ImageNet stem", new BackboneSpec(BackboneKind.ResNet18, 3),
                new ImageShape(3, 224, 224), 64, quick ? 16 : 32);
    }

    private static IReadOnlyList<ResultRow> Run(PretrainScenario scenario, BenchmarkSettings settings, CaseContext context)
    {
        int epochs = Epochs(settings), batch = scenario.BatchSize;
        context.Log($"building {scenario.ImageCount} random {scenario.Shape} images");
        var data = RandomImages.Dataset(scenario.Shape, scenario.ImageCount);
        var options = new PretrainOptions
        {
            Version = MoCoVersion.V2,
            Backbone = scenario.Backbone,
            BatchSize = batch,
            Epochs = epochs,
            QueueSize = scenario.ImageCount,
            Device = settings.DeviceRequest,
            Seed = 0,
        };

        var repeats = settings.Repeats;
        var spec = scenario.Backbone with { BatchNormSplits = options.BatchNormSplits };
        // The load of a shared machine drifts over minutes: the bare forward+backward is timed both before and after
        // the loop and its samples pooled, so the reference spans the same window as the loop.
        var half = repeats with { Iterations = (repeats.Iterations + 1) / 2, BudgetSeconds = repeats.BudgetSeconds / 2 };
        context.Log("bare encoder forward+backward (before the loop)");
        var bareCpu = CpuMeter.Start();
        Timing before;
        using (var cost = new EncoderCost(spec, settings.Device, options.ProjectionDim))
            before = cost.ForwardBackward(scenario.Shape, batch, half);
        double bareCoresBefore = bareCpu.Cores;

        // The real loop; its memory peak is the case's figure.
        context.BeginMainPhase();
        var recorder = new ProgressRecorder(context.Log);
        var loopCpu = CpuMeter.Start();
        using (Pretrainer.Run(data, options, progress: recorder, log: context.Log))
        {
        }
        string loopCores = loopCpu.Describe();
        context.CapturePeak();
        var steps = new Timing(recorder.StepSeconds(firstEpoch: 1));
        double loop = steps.Rate(batch);
        double reported = recorder.ReportedImagesPerSecond(firstEpoch: 1);

        context.Log("bare encoder forward+backward (after the loop) and forward");
        Timing after, forward;
        bareCpu = CpuMeter.Start();
        using (var cost = new EncoderCost(spec, settings.Device, options.ProjectionDim))
        {
            after = cost.ForwardBackward(scenario.Shape, batch, half);
            forward = cost.ForwardNoGrad(scenario.Shape, batch, repeats);
        }
        string bareCores = string.Create(CultureInfo.InvariantCulture, $"{bareCoresBefore:0.00}/{bareCpu.Cores:0.00} cores");
        var forwardBackward = new Timing([.. before.Samples, .. after.Samples]);
        context.Log("two augmented views");
        var views = AugmentationCost.TwoViews(scenario.Shape, batch, settings.Device, repeats);
        context.Log($"loop steps: {steps.SamplesText()}");
        context.Log($"fwd+bwd before: {before.SamplesText()}; after: {after.SamplesText()}");
        context.Log($"fwd: {forward.SamplesText()}");
        double bare = forwardBackward.Rate(batch);
        double parts = batch / (forwardBackward.Median + forward.Median + views.Median);

        const string unit = "img/s", reference = "fwd+bwd";
        return
        [
            new ResultRow($"loop (Pretrainer.Run), median step, epochs 2-{epochs}", loop, unit, reference, bare,
                string.Create(CultureInfo.InvariantCulture, $"{steps.Describe()}, {loopCores}; ratio of the fastest runs {steps.Min / forwardBackward.Min:0.00}×")),
            new ResultRow($"loop, its own images/s report, epochs 2-{epochs}", reported, unit, reference, bare, "mean of the epochs' closing reports"),
            new ResultRow("bare fwd+bwd (train mode, v2 head)", bare, unit, reference, bare,
                $"{forwardBackward.Describe()}, half before and half after the loop, {bareCores}"),
            new ResultRow("bare fwd, no grad (the key encoder's part)", forward.Rate(batch), unit, reference, bare, forward.Describe()),
            new ResultRow("2 augmented views (v2 preset)", views.Rate(batch), unit, reference, bare, views.Describe()),
            new ResultRow("sum of parts: fwd+bwd + fwd + 2 views", parts, unit, reference, bare, "the loop's floor; the rest is optimizer, momentum update, queue, loss, copies"),
        ];
    }
}
