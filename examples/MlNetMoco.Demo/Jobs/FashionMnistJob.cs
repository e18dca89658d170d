using System.Diagnostics;
using Microsoft.ML;
using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Devices;
using MlNetMoco.Core.Heads;
using MlNetMoco.Core.Inference;
using MlNetMoco.Core.Methods;
using MlNetMoco.Core.Training;
using MlNetMoco.Demo.Data;
using MlNetMoco.Demo.Reporting;

namespace MlNetMoco.Demo.Jobs;

/// <summary>Settings of the main job.</summary>
public sealed record FashionMnistJobOptions
{
    /// <summary>"embedded", "full" or a folder of IDX files.</summary>
    public string Data { get; init; } = "embedded";

    /// <summary>Pretraining epochs; null: MoCo's default (the Auto recipe chooses).</summary>
    public int? Epochs { get; init; }

    /// <summary>Pretraining batch size; null: MoCo's default (the Auto recipe chooses).</summary>
    public int? BatchSize { get; init; }

    /// <summary>Encoder architecture; null: MoCo's default (the Auto recipe chooses).</summary>
    public BackboneKind? Backbone { get; init; }

    /// <summary>Queue size K; null: MoCo's default (the Auto recipe chooses).</summary>
    public int? QueueSize { get; init; }

    /// <summary>Device request.</summary>
    public string Device { get; init; } = "auto";

    /// <summary>Seed.</summary>
    public int Seed { get; init; }

    /// <summary>Fine-tuning epochs (at the full budget; smaller budgets get proportionally more, up to 10×).</summary>
    public int FineTuneEpochs { get; init; } = 8;

    /// <summary>Also measure the random-encoder, fine-tune-from-random-init and ImageNet-featurizer baselines (raw pixels are always measured).</summary>
    public bool AllBaselines { get; init; } = true;

    /// <summary>
    /// Also probe the ImageNet featurizer at 100% labels, which featurizes every training image at 224×224 (minutes on
    /// a CPU); otherwise it is measured at 1% and 10%.
    /// </summary>
    public bool ImageNetAllBudgets { get; init; }

    /// <summary>Output folder for the table, plots and model.</summary>
    public string Output { get; init; } = "out/fashion-mnist";

    /// <summary>Checkpoint folder (null: none).</summary>
    public string? Checkpoints { get; init; }

    /// <summary>Checkpoint to resume pretraining from.</summary>
    public string? Resume { get; init; }
}

/// <summary>
/// The main job: MoCo v2 pretraining with MoCo's defaults (the Auto recipe, unless settings are given) on the
/// unlabeled Fashion-MNIST pool inside an ML.NET pipeline, then linear probes with 1%, 10% and 100% of the labels,
/// against raw pixels, a frozen random encoder and ML.NET's ImageNet ResNet-18 featurizer; then FineTuneMoCo from the
/// MoCo encoder and from random initialisation (<see cref="FineTuneRows"/>), all measured in the same run.
/// </summary>
public static class FashionMnistJob
{
    private static readonly (string Name, double Fraction)[] Budgets = { ("1%", 0.01), ("10%", 0.10), ("100%", 1.0) };
    private const string ImageNetRow = "ImageNet ResNet-18 featurizer";

    /// <summary>Runs the job; returns the result rows.</summary>
    public static IReadOnlyList<ResultRow> Run(FashionMnistJobOptions o, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var device = DeviceSelector.Resolve(o.Device);
        Console.WriteLine(TorchDiagnostics.Describe(device));
        var data = FashionMnist.Load(o.Data);
        Console.WriteLine($"Data: {data.Train.Length:N0} training images (the unlabeled pool) and {data.Test.Length:N0} test images from {data.Source}");
        Directory.CreateDirectory(o.Output);

        var ml = new MLContext(o.Seed);
        var pool = ml.Data.LoadFromEnumerable(data.Train);
        var test = ml.Data.LoadFromEnumerable(data.Test);
        var trainLabels = data.Train.Select(r => r.Label).ToArray();
        var testLabels = data.Test.Select(r => r.Label).ToArray();

        // 1. Self-supervised pretraining: the labels are not used (the k-NN monitor only watches progress).
        var labelToKey = ml.Transforms.Conversion.MapValueToKey(nameof(ImageRow.Label)).Fit(pool);
        var monitorBank = labelToKey.Transform(ml.Data.TakeRows(pool, Math.Min(5000, data.Train.Length)));
        var monitorTest = labelToKey.Transform(ml.Data.TakeRows(test, Math.Min(1000, data.Test.Length)));
        var options = new MoCoOptions
        {
            InputColumnName = nameof(ImageRow.Pixels),
            OutputColumnName = "Features",
            // Everything else at MoCo's defaults, as README's pipeline has it: the Auto recipe picks backbone, epochs,
            // batch, learning rate, K and momentum from the data and logs why.
            Version = MoCoVersion.V2,
            Backbone = o.Backbone,
            Epochs = o.Epochs,
            BatchSize = o.BatchSize,
            QueueSize = o.QueueSize,
            Log = line => Console.WriteLine($"  [MoCo] {line}"),
            LogIntervalSeconds = 0, // the console progress bar shows the steps; the log keeps the epoch summaries
            Device = o.Device,
            Seed = o.Seed,
            CheckpointDirectory = o.Checkpoints,
            CheckpointEveryEpochs = 5,
            ResumeFrom = o.Resume,
        };
        options.KnnMonitor = MoCoKnnMonitor.FromDataViews(monitorBank, monitorTest, nameof(ImageRow.Label), options);
        using var pretrainProgress = new ConsoleProgress("MoCo v2 pretraining");
        options.Progress = pretrainProgress;
        options.CancellationToken = cancellationToken;

        var pretrainClock = Stopwatch.StartNew();
        using var moco = ml.Transforms.PretrainMoCo(options).Fit(pool);
        pretrainProgress.Dispose();
        Console.WriteLine($"Pretraining took {Duration.Format(pretrainClock.Elapsed)}.");
        moco.Save(Path.Combine(o.Output, "moco-encoder.mlnetmoco"));

        // 2. Features of every method on the pool and the test set.
        var methods = new List<(string Name, Func<int[], (float[][] Train, float[][] Test)> Features)>
        {
            ("MoCo v2 (frozen)", _ => Extract(moco, pool, test)),
            ("Raw pixels", _ => (data.Train.Select(r => r.Pixels).ToArray(), data.Test.Select(r => r.Pixels).ToArray())),
        };
        using var random = TrainedEncoder.Create(Describe(moco, options), device);
        // Seeded, so the baseline is the same in every run (torch's global generator is seeded at random per process).
        using (var generator = new TorchSharp.torch.Generator((ulong)Seeds.Mix(o.Seed, -2)))
            SeededInitialization.Apply(random.Network, generator);
        using var randomTransformer = new MoCoTransformer(random, options, ml);
        if (o.AllBaselines)
        {
            methods.Add(("Random encoder (frozen)", _ => Extract(randomTransformer, pool, test)));
            var imageNet = new ImageNetFeaturizer(ml, data, Path.Combine(o.Output, "imagenet-resnet18-features.bin"), cancellationToken);
            methods.Add((ImageNetRow, imageNet.Features));
        }

        // 3. Linear probes at each label budget.
        var rows = new List<ResultRow>();
        float[][]? mocoTest = null;
        foreach (var (name, features) in methods)
        {
            (float[][] Train, float[][] Test)? shared = null;
            foreach (var (budget, fraction) in Budgets)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int count = (int)Math.Round(fraction * data.Train.Length);
                if (name == ImageNetRow && fraction > 0.1 && !o.ImageNetAllBudgets)
                {
                    Console.WriteLine($"  {name,-26} {budget,5}: skipped (featurizing {count:N0} images at 224 px takes minutes; --baselines full measures it)");
                    continue;
                }
                var labelled = LinearProbe.LabelledRows(data.Train.Length, count, o.Seed);
                var f = name == ImageNetRow ? features(labelled) : shared ??= features(labelled);
                if (name.StartsWith("MoCo", StringComparison.Ordinal)) mocoTest = f.Test;
                double accuracy = LinearProbe.Accuracy(ml, FeatureTable.Create(ml, f.Train, trainLabels, labelled), FeatureTable.Create(ml, f.Test, testLabels));
                rows.Add(new ResultRow(name, budget, count, accuracy));
                Console.WriteLine($"  {name,-26} {budget,5} ({count,6:N0} labels): {100 * accuracy:F1}%");
            }
        }

        rows.AddRange(FineTuneRows.Measure(ml, data, moco, o.AllBaselines, Budgets, o.FineTuneEpochs, o.Device, o.Seed, cancellationToken));

        // 4. Report.
        string title = $"Test accuracy on Fashion-MNIST, linear probes and fine-tuning ({data.Train.Length:N0} pool / {data.Test.Length:N0} test, {moco.Backbone.Kind}, {(moco.TrainingHistory.Count > 0 ? moco.TrainingHistory[^1].Epochs : 0)} epochs)";
        ResultsTable.Print(rows, title);
        ResultsTable.WriteMarkdown(Path.Combine(o.Output, "results.md"), rows, title, new[]
        {
            TorchDiagnostics.Describe(device),
            $"Probe: ML.NET LbfgsMaximumEntropy on standardised frozen features; total time {Duration.Format(clock.Elapsed)}.",
            FineTuneRows.Note(o.FineTuneEpochs),
        });
        ResultsTable.WriteCsv(Path.Combine(o.Output, "results.csv"), rows);
        Plots.TrainingCurves(Path.Combine(o.Output, "training-curves.png"), moco.TrainingHistory);
        Plots.AccuracyVsLabels(Path.Combine(o.Output, "accuracy-vs-labels.png"), rows);
        if (mocoTest != null)
        {
            int dim = mocoTest[0].Length;
            Plots.Embedding2D(Path.Combine(o.Output, "embedding-2d.png"), mocoTest.SelectMany(v => v).ToArray(), dim,
                testLabels.Select(l => Array.IndexOf(FashionMnist.ClassNames, l)).ToArray(), FashionMnist.ClassNames);
        }
        Console.WriteLine($"Wrote results.md, results.csv, training-curves.png, accuracy-vs-labels.png, embedding-2d.png and moco-encoder.mlnetmoco to {Path.GetFullPath(o.Output)}");
        Console.WriteLine($"Total time {Duration.Format(clock.Elapsed)}.");
        return rows;
    }

    private static (float[][] Train, float[][] Test) Extract(MoCoTransformer transformer, IDataView pool, IDataView test) =>
        (FeatureTable.Column(transformer.Transform(pool), "Features"), FeatureTable.Column(transformer.Transform(test), "Features"));

    private static EncoderDescription Describe(MoCoTransformer moco, MoCoOptions options) =>
        new(moco.Backbone with { BatchNormSplits = 1 }, HeadSpec.ForVersion(options.Version, moco.FeatureDimension, options.ProjectionDim),
            moco.InputShape, moco.Normalization);
}
