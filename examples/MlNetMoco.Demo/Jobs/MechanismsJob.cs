using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.ML;
using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Data;
using MlNetMoco.Core.Inference;
using MlNetMoco.Core.Methods;
using MlNetMoco.Core.Training;
using MlNetMoco.Demo.Data;

namespace MlNetMoco.Demo.Jobs;

/// <summary>Settings of the <c>mechanisms</c> command.</summary>
public sealed record MechanismsOptions
{
    /// <summary>"embedded", "full" or a folder of IDX files (see <see cref="FashionMnist.Load"/>).</summary>
    public string Data { get; init; } = "embedded";

    /// <summary>Pretraining epochs of every run.</summary>
    public int Epochs { get; init; } = 5;

    /// <summary>Unlabelled training images (the first N of the training set).</summary>
    public int Images { get; init; } = 5000;

    /// <summary>Device request.</summary>
    public string Device { get; init; } = "auto";

    /// <summary>Seed of every run.</summary>
    public int Seed { get; init; }

    /// <summary>Folder for results.md.</summary>
    public string Output { get; init; } = "out/mechanisms";

    /// <summary>
    /// "all": the paper's comparison; "v3": MoCo v2 beside MoCo v3 (LARS, its paper's rate) at the same budget; "vit": MoCo
    /// v2 (SmallConvNet) beside MoCo v3 on ViT-Tiny with the paper's ViT recipe, at the same budget.
    /// </summary>
    public string Method { get; init; } = "all";
}

/// <summary>
/// The MoCo paper's comparison of contrastive mechanisms (He et al. 2019, Figure 3) and two of its ablations (Table 4:
/// momentum m; Section 3.3: Shuffle-BN) at a scale a CPU can run: end-to-end (K = batch − 1), memory bank and the MoCo
/// queue against K, all with the same backbone (SmallConvNet), head (v2 MLP), temperature (0.2), augmentation (v2) and
/// epochs; then m ∈ {0, 0.9, 0.99, 0.999} and Shuffle-BN on/off for MoCo. Each run reports k-NN (k = 200) and linear
/// (L-BFGS on all the pool's labels) test accuracy on the frozen features.
/// </summary>
public static class MechanismsJob
{
    private const int BatchSize = 256;
    private const double MoCoMomentum = 0.99;
    private const int AblationK = 4096;

    /// <summary>One pretraining configuration.</summary>
    private sealed record Config(string Group, string Mechanism, string Setting, int K, int Batch, MethodOptions Method)
    {
        /// <summary>The encoder; SmallConvNet unless the run says otherwise.</summary>
        public BackboneKind Backbone { get; init; } = BackboneKind.SmallConvNet;
    }

    /// <summary>Runs every configuration, prints a table and writes it to <c>results.md</c>.</summary>
    public static int Run(MechanismsOptions options, CancellationToken cancellationToken)
    {
        var data = FashionMnist.Load(options.Data);
        int poolSize = Math.Min(options.Images, data.Train.Length);
        var pool = data.Train.Take(poolSize).ToArray();
        var test = data.Test;
        var shape = new ImageShape(1, ImageRow.Side, ImageRow.Side);
        var poolImages = Dataset(pool, shape);
        var testImages = Dataset(test, shape);
        var poolLabels = pool.Select(r => Array.IndexOf(FashionMnist.ClassNames, r.Label)).ToArray();
        var testLabels = test.Select(r => Array.IndexOf(FashionMnist.ClassNames, r.Label)).ToArray();
        var knnData = new KnnMonitorData(poolImages, poolLabels, testImages, testLabels);

        var runs = (options.Method switch { "v3" => V3Runs(), "vit" => VitRuns(), _ => Runs() }).ToList();
        Console.WriteLine($"Mechanisms of the MoCo paper (Figure 3) on {data.Source}: {poolSize:N0} unlabelled images, {test.Length:N0} test images, " +
                          $"{string.Join(" and ", runs.Select(r => r.Backbone).Distinct())}, {options.Epochs} epochs per run, {runs.Count} runs.");
        var ml = new MLContext(seed: options.Seed);
        var rows = new List<string>();
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < runs.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var run = runs[i];
            var training = new TrainingOptions
            {
                Method = run.Method,
                Backbone = new BackboneSpec(run.Backbone, 1),
                Epochs = options.Epochs,
                BatchSize = run.Batch,
                Device = options.Device,
                Seed = options.Seed,
            };
            if (run.Method is MoCoV3MethodOptions) training = TrainingOptions.MoCoV3(training.Backbone, options.Epochs) with { Method = run.Method, BatchSize = run.Batch, Device = options.Device, Seed = options.Seed };
            var started = clock.Elapsed;
            Console.Write($"[{i + 1}/{runs.Count}] {run.Mechanism}, {run.Setting} ... ");
            using var result = new Trainer(training).Run(poolImages, cancellationToken: cancellationToken);
            double knn = KnnMonitor.Evaluate(result.Encoder, knnData);
            double linear = Linear(ml, result.Encoder, pool, poolImages, test, testImages);
            double loss = result.History.Last().Loss;
            // MoCo's queue is capped for the pool (QueueSizing): report the K it trained with.
            int k = run.Method is MoCoMethodOptions moco ? QueueSizing.Choose(moco.QueueSize, poolSize, run.Batch).Size : run.K;
            string row = string.Create(CultureInfo.InvariantCulture,
                $"| {run.Group} | {run.Mechanism} | {run.Setting} | {k:N0} | {knn:P1} | {linear:P1} | {loss:F3} |");
            rows.Add(row);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"kNN {knn:P1}, linear {linear:P1} ({(clock.Elapsed - started).TotalSeconds:F0} s)"));
        }

        var table = new StringBuilder()
            .AppendLine("| comparison | mechanism | setting | K | kNN top-1 | linear top-1 | last loss |")
            .AppendLine("|---|---|---|---:|---:|---:|---:|");
        foreach (string row in rows) table.AppendLine(row);
        Console.WriteLine();
        Console.Write(table);
        Directory.CreateDirectory(options.Output);
        string path = Path.Combine(options.Output, "results.md");
        File.WriteAllText(path,
            $"Command: mechanisms --epochs {options.Epochs} --images {options.Images} --seed {options.Seed} --method {options.Method} (data {data.Source}); " +
            $"{clock.Elapsed.TotalMinutes:F1} min.\n\n{table}");
        Console.WriteLine($"\nWritten to {path} ({clock.Elapsed.TotalMinutes:F1} min).");
        return 0;
    }

    /// <summary>The configurations: K for each mechanism, then MoCo's momentum and Shuffle-BN ablations.</summary>
    private static IEnumerable<Config> Runs()
    {
        foreach (int batch in new[] { 64, 128, 256 })
            yield return new Config("K", "end-to-end", $"batch {batch}", batch - 1, batch, new EndToEndMethodOptions());
        foreach (int k in new[] { 256, 1024, AblationK })
            yield return new Config("K", "memory bank", "m(bank) 0.5", k, BatchSize, new MemoryBankMethodOptions { Negatives = k });
        foreach (int k in new[] { 256, 1024, AblationK })
            yield return new Config("K", "MoCo", $"m {MoCoMomentum}, Shuffle-BN", k, BatchSize, MoCo(k, MoCoMomentum, splits: 8));
        foreach (double m in new[] { 0.0, 0.9, 0.999 })
            yield return new Config("momentum", "MoCo", string.Create(CultureInfo.InvariantCulture, $"m {m}, Shuffle-BN"), AblationK, BatchSize, MoCo(AblationK, m, splits: 8));
        yield return new Config("Shuffle-BN", "MoCo", $"m {MoCoMomentum}, plain BN", AblationK, BatchSize, MoCo(AblationK, MoCoMomentum, splits: 1));
    }

    /// <summary>MoCo v2 (K = 4096, m = 0.99) beside MoCo v3 (T = 1, the ResNet value, and 0.2, the ViT value), same backbone, batch and epochs.</summary>
    private static IEnumerable<Config> V3Runs()
    {
        yield return new Config("v3", "MoCo v2", $"K 4096, m {MoCoMomentum}, SGD 0.03", AblationK, BatchSize, MoCo(AblationK, MoCoMomentum, splits: 8));
        yield return new Config("v3", "MoCo v3", "T 1.0, m 0.99→1, LARS 0.6", BatchSize - 1, BatchSize, new MoCoV3MethodOptions());
        yield return new Config("v3", "MoCo v3", "T 0.2, m 0.99→1, LARS 0.6", BatchSize - 1, BatchSize, new MoCoV3MethodOptions { Temperature = 0.2 });
    }

    /// <summary>MoCo v2 on SmallConvNet (as in <see cref="V3Runs"/>) beside MoCo v3 on ViT-Tiny (patch 4) with the paper's ViT recipe (AdamW, T 0.2, warm-up).</summary>
    private static IEnumerable<Config> VitRuns()
    {
        yield return new Config("vit", "MoCo v2", $"SmallConvNet, K 4096, m {MoCoMomentum}, SGD 0.03", AblationK, BatchSize, MoCo(AblationK, MoCoMomentum, splits: 8));
        yield return new Config("vit", "MoCo v3", "ViT-Tiny patch 4, T 0.2, m 0.99→1, AdamW 1.5e-4", BatchSize - 1, BatchSize,
            new MoCoV3MethodOptions { Temperature = MoCoV3Defaults.TemperatureFor(BackboneKind.VitTiny) })
        {
            Backbone = BackboneKind.VitTiny,
        };
    }

    private static MoCoMethodOptions MoCo(int k, double m, int splits) => new()
    {
        Version = MoCoVersion.V2, QueueSize = k, EncoderMomentum = m, BatchNormSplits = splits, ExcludeSameImageNegatives = false,
    };

    private static InMemoryImageDataset Dataset(IReadOnlyList<ImageRow> rows, ImageShape shape)
    {
        var images = new InMemoryImageDataset(shape, rows.Count);
        var scaled = new float[shape.Size];
        foreach (var row in rows)
        {
            for (int i = 0; i < scaled.Length; i++) scaled[i] = row.Pixels[i] / 255f;
            images.Add(scaled);
        }
        return images;
    }

    private static double Linear(MLContext ml, TrainedEncoder encoder, IReadOnlyList<ImageRow> pool, IImageDataset poolImages,
        IReadOnlyList<ImageRow> test, IImageDataset testImages)
    {
        var train = FeatureTable.Create(ml, Features(encoder, poolImages), pool.Select(r => r.Label).ToArray());
        var evaluation = FeatureTable.Create(ml, Features(encoder, testImages), test.Select(r => r.Label).ToArray());
        return LinearProbe.Accuracy(ml, train, evaluation);
    }

    private static float[][] Features(TrainedEncoder encoder, IImageDataset images)
    {
        const int batch = 256;
        var result = new float[images.Count][];
        var pixels = new float[batch * images.Shape.Size];
        var features = new float[batch * encoder.FeatureDim];
        for (int start = 0; start < images.Count; start += batch)
        {
            int count = Math.Min(batch, images.Count - start);
            var indices = Enumerable.Range(start, count).ToArray();
            images.CopyImages(indices, pixels.AsSpan(0, count * images.Shape.Size));
            encoder.Extract(pixels.AsSpan(0, count * images.Shape.Size), count, features.AsSpan(0, count * encoder.FeatureDim));
            for (int i = 0; i < count; i++) result[start + i] = features.AsSpan(i * encoder.FeatureDim, encoder.FeatureDim).ToArray();
        }
        return result;
    }
}
