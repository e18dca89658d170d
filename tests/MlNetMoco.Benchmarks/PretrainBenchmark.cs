using System.Globalization;
using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Data;
using MlNetMoco.Core.Methods;
using MlNetMoco.Core.Training;

namespace MlNetMoco.Benchmarks;

/// <summary>
/// Pretraining throughput of the real loop (<see cref="Trainer.Run"/> with MoCo v2 on random images, a few epochs, the first one
/// skipped as warm-up) for each backbone at its typical size, beside the parts of a MoCo step, each run once after
/// every measured loop step: the bare encoder forward+backward of one batch, the key encoder's forward, two augmented
/// views and the contrastive loss against the queue. Prints the loop ÷ parts ratio (median of the per-step ratios).
/// Peak memory is the loop's, captured at the end of the warm-up epoch.
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

    private static string Ratios(IReadOnlyList<double> ratios) => string.Create(CultureInfo.InvariantCulture,
        $"{Harness.Median(ratios):0.00}× (range {ratios.DefaultIfEmpty(double.NaN).Min():0.00}-{ratios.DefaultIfEmpty(double.NaN).Max():0.00})");

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
        // before any bare network exists). From epoch 2 on, every loop step is followed by one timed run of each of its
        // parts on the same device (in the synchronous progress callback, whose time is excluded from the step): the
        // bare forward+backward, the bare forward without gradients, the two augmented views and the contrastive loss
        // against the queue. Each loop step thus has its parts measured under the same machine load: on a shared
        // machine, load bursts hit the step and its parts alike, and the per-step ratio loop ÷ parts cancels them.
        EncoderCost? cost = null;
        AugmentationCost? views = null;
        ContrastiveLossCost? contrastive = null;
        var forwardBackward = new List<double>();
        var forward = new List<double>();
        var twoViews = new List<double>();
        var loss = new List<double>();
        var stepOverBare = new List<double>();
        var stepOverParts = new List<double>();
        var stepOverPartsAndLoss = new List<double>();
        double lastStepEnd = double.NaN;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        void Pair(TrainingProgress report)
        {
            if (report.EndOfEpoch && report.Epoch == 0)
            {
                context.CapturePeak();
                context.Log("warm-up epoch done; pairing each further step with one run of each of its parts");
                cost = new EncoderCost(spec, scenario.Shape, batch, settings.Device, method.ProjectionDim);
                views = new AugmentationCost(scenario.Shape, batch, settings.Device);
                contrastive = new ContrastiveLossCost(method, spec, scenario.Shape, scenario.ImageCount, batch, settings.Device);
                for (int i = 0; i < Math.Max(3, repeats.Warmup); i++)
                {
                    cost.ForwardBackward();
                    cost.ForwardNoGrad();
                    views.TwoViews();
                    contrastive.LossForwardBackward();
                }
            }
            else if (!report.EndOfEpoch && report.Epoch >= 1 && cost is not null)
            {
                double step = clock.Elapsed.TotalSeconds - lastStepEnd;
                double fb = cost.TimeForwardBackwardOnce(), f = cost.TimeForwardNoGradOnce(), v = views!.TimeOnce(), l = contrastive!.TimeOnce();
                forwardBackward.Add(fb);
                forward.Add(f);
                twoViews.Add(v);
                loss.Add(l);
                stepOverBare.Add(step / fb);
                stepOverParts.Add(step / (fb + f + v));
                stepOverPartsAndLoss.Add(step / (fb + f + v + l));
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
            var fb = new Timing(forwardBackward);
            var f = new Timing(forward);
            var v = new Timing(twoViews);
            var l = new Timing(loss);
            double warmupReported = recorder.ReportedImagesPerSecond(epoch: 0);
            context.Log($"loop steps: {steps.SamplesText()}");
            context.Log($"paired fwd+bwd: {fb.SamplesText()}");
            context.Log($"paired fwd: {f.SamplesText()}");
            context.Log($"paired views: {v.SamplesText()}");
            context.Log($"paired loss: {l.SamplesText()}");
            context.Log(string.Create(CultureInfo.InvariantCulture,
                $"loop ÷ parts, median of per-step ratios: {Harness.Median(stepOverParts):0.000}× (fwd+bwd + fwd + 2 views), {Harness.Median(stepOverPartsAndLoss):0.000}× (with the loss against K = {contrastive?.QueueSize})"));

            double bare = fb.Rate(batch);
            double parts = batch / (fb.Median + f.Median + v.Median);
            double partsAndLoss = batch / (fb.Median + f.Median + v.Median + l.Median);
            const string unit = "img/s", reference = "fwd+bwd";
            return
            [
                new ResultRow($"loop (Trainer.Run), median step, epochs 2-{epochs}", steps.Rate(batch), unit, reference, bare,
                    $"{steps.Describe()}; paired: median of per-step ratios {Ratios(stepOverBare)}"),
                new ResultRow("loop, its own images/s report, epoch 1 (warm-up)", warmupReported, unit, reference, bare, "first epoch, unpaired: start-up included"),
                new ResultRow("bare fwd+bwd (train mode, v2 head)", bare, unit, reference, bare,
                    $"{fb.Describe()}, one run after each measured loop step; loop phase {loopCores}"),
                new ResultRow("bare fwd, no grad (the key encoder's part)", f.Rate(batch), unit, reference, bare, $"{f.Describe()}, paired"),
                new ResultRow("2 augmented views (v2 preset)", v.Rate(batch), unit, reference, bare, $"{v.Describe()}, paired"),
                new ResultRow($"contrastive loss vs K = {contrastive?.QueueSize} keys, fwd+bwd", l.Rate(batch), unit, reference, bare,
                    $"{l.Describe()}, paired; MoCo.Contrast (queue clone, same-image mask, InfoNCE, accuracy, enqueue)"),
                new ResultRow("sum of parts: fwd+bwd + fwd + 2 views", parts, unit, reference, bare,
                    $"loop ÷ this, per-step: {Ratios(stepOverParts)}; the rest is loss, optimizer, momentum update, copies"),
                new ResultRow("sum of parts + contrastive loss", partsAndLoss, unit, reference, bare,
                    $"loop ÷ this, per-step: {Ratios(stepOverPartsAndLoss)}; the rest is optimizer, momentum update, Shuffle-BN, copies"),
            ];
        }
        finally
        {
            cost?.Dispose();
            views?.Dispose();
            contrastive?.Dispose();
        }
    }
}
