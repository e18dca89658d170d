using System.Globalization;
using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Data;
using MlNetMoco.Core.Methods;
using MlNetMoco.Core.Training;

namespace MlNetMoco.Benchmarks;

/// <summary>
/// Pretraining throughput of the real loop (<see cref="Trainer.Run"/> with MoCo v2 on random images, a few epochs, the first one
/// skipped as warm-up) for each backbone at its typical size, beside the bare encoder forward+backward of one batch
/// (one run paired with each measured loop step), and the two other parts of a MoCo step (key-encoder forward, two
/// augmented views). Peak memory is the loop's, captured at the end of the warm-up epoch.
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
                    $"{scenario.Name} {scenario.Shape}, batch {scenario.BatchSize}, {scenario.ImageCount} images (K = {QueueSizing.Choose(scenario.ImageCount, scenario.ImageCount, scenario.BatchSize).Size}), {epochs} epochs"),
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
        var method = new MoCoMethodOptions { Version = MoCoVersion.V2, QueueSize = scenario.ImageCount };
        var options = new TrainingOptions
        {
            Method = method,
            Backbone = scenario.Backbone,
            BatchSize = batch,
            Epochs = epochs,
            Device = settings.DeviceRequest,
            Seed = 0,
        };

        var repeats = settings.Repeats;
        var spec = scenario.Backbone with { BatchNormSplits = method.BatchNormSplits };

        // The loop runs once. Epoch 1 is warm-up; its end is the memory capture point (the loop's steady-state peak,
        // before any bare network exists). From epoch 2 on, every loop step is followed by one timed bare
        // forward+backward on the same device (run in the synchronous progress callback, whose time is excluded from
        // the step), so each loop step has a reference taken under the same machine load: on a shared machine, load
        // bursts hit both members of a pair.
        EncoderCost? cost = null;
        var bareSamples = new List<double>();
        var pairedRatios = new List<double>();
        double lastStepEnd = double.NaN;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        void Pair(TrainingProgress report)
        {
            if (report.EndOfEpoch && report.Epoch == 0)
            {
                context.CapturePeak();
                context.Log("warm-up epoch done; pairing each further step with a bare forward+backward");
                cost = new EncoderCost(spec, scenario.Shape, batch, settings.Device, method.ProjectionDim);
                for (int i = 0; i < Math.Max(1, repeats.Warmup); i++) cost.ForwardBackward();
            }
            else if (!report.EndOfEpoch && report.Epoch >= 1 && cost is not null)
            {
                double step = clock.Elapsed.TotalSeconds - lastStepEnd;
                double bare = cost.TimeForwardBackwardOnce();
                bareSamples.Add(bare);
                pairedRatios.Add(step / bare);
            }
            lastStepEnd = clock.Elapsed.TotalSeconds;
        }

        context.BeginMainPhase();
        var recorder = new ProgressRecorder(context.Log, Pair);
        var loopCpu = CpuMeter.Start();
        try
        {
            lastStepEnd = clock.Elapsed.TotalSeconds;
            using (new Trainer(options) { Progress = recorder, Log = context.Log }.Run(data))
            {
            }
            string loopCores = loopCpu.Describe();
            var steps = new Timing(recorder.StepSeconds(firstEpoch: 1));
            var forwardBackward = new Timing(bareSamples);
            double warmupReported = recorder.ReportedImagesPerSecond(epoch: 0);

            // The other parts of a step, unpaired (small next to forward+backward).
            context.Log("bare forward without gradients, two augmented views");
            var forward = cost!.MeasureForwardNoGrad(repeats);
            var views = AugmentationCost.TwoViews(scenario.Shape, batch, settings.Device, repeats);
            context.Log($"loop steps: {steps.SamplesText()}");
            context.Log($"paired fwd+bwd: {forwardBackward.SamplesText()}");
            context.Log($"fwd: {forward.SamplesText()}");

            double loop = steps.Rate(batch), bare = forwardBackward.Rate(batch);
            double parts = batch / (forwardBackward.Median + forward.Median + views.Median);
            string paired = string.Create(CultureInfo.InvariantCulture,
                $"paired: median of per-step ratios {Harness.Median(pairedRatios):0.00}× (range {pairedRatios.DefaultIfEmpty(double.NaN).Min():0.00}-{pairedRatios.DefaultIfEmpty(double.NaN).Max():0.00})");

            const string unit = "img/s", reference = "fwd+bwd";
            return
            [
                new ResultRow($"loop (Trainer.Run), median step, epochs 2-{epochs}", loop, unit, reference, bare, $"{steps.Describe()}; {paired}"),
                new ResultRow("loop, its own images/s report, epoch 1 (warm-up)", warmupReported, unit, reference, bare, "first epoch, unpaired: start-up included"),
                new ResultRow("bare fwd+bwd (train mode, v2 head)", bare, unit, reference, bare,
                    $"{forwardBackward.Describe()}, one run after each measured loop step; loop phase {loopCores}"),
                new ResultRow("bare fwd, no grad (the key encoder's part)", forward.Rate(batch), unit, reference, bare, forward.Describe()),
                new ResultRow("2 augmented views (v2 preset)", views.Rate(batch), unit, reference, bare, views.Describe()),
                new ResultRow("sum of parts: fwd+bwd + fwd + 2 views", parts, unit, reference, bare, "the loop's floor; the rest is optimizer, momentum update, queue, loss, copies"),
            ];
        }
        finally
        {
            cost?.Dispose();
        }
    }
}
