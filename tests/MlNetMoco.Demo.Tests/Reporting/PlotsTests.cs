using MlNetMoco.Core.Training;
using MlNetMoco.Demo.Reporting;

namespace MlNetMoco.Demo.Tests.Reporting;

public class PlotsTests
{
    private static readonly byte[] PngSignature = { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A };

    private static void AssertPng(string path, int width, int height)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length > 5000, $"{path} has only {bytes.Length} bytes");
        Assert.Equal(PngSignature, bytes[..8]);
        // IHDR: width and height, big-endian, at bytes 16..23.
        Assert.Equal(width, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)));
        Assert.Equal(height, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));
    }

    /// <summary>Set MLNETMOCO_PLOTS_DIR to keep the pictures (to look at them); otherwise a temporary folder is used and removed.</summary>
    private static (string Dir, bool Keep) Folder()
    {
        string? dir = Environment.GetEnvironmentVariable("MLNETMOCO_PLOTS_DIR");
        if (string.IsNullOrEmpty(dir)) return (Directory.CreateTempSubdirectory("mlnetmoco-plots").FullName, false);
        Directory.CreateDirectory(dir);
        return (dir, true);
    }

    [Fact]
    public void Every_plot_writes_a_png_of_its_size()
    {
        var (dir, keep) = Folder();
        try
        {
            var epochs = Enumerable.Range(0, 20).Select(e => new TrainingProgress(e, 20, 77, 78, 8.3 - 2.5 * (1 - Math.Exp(-e / 5.0)), 0.06, 0.3 + 0.5 * (1 - Math.Exp(-e / 4.0)),
                950, TimeSpan.Zero, EndOfEpoch: true, KnnAccuracy: 0.55 + 0.25 * (1 - Math.Exp(-e / 6.0)), EmbeddingStd: 0.08)).ToList();
            epochs.Insert(3, epochs[3] with { EndOfEpoch = false, Loss = 100 }); // a step report: not drawn
            Plots.TrainingCurves(Path.Combine(dir, "training-curves.png"), epochs);

            var rows = new List<ResultRow>();
            var budgets = new[] { ("1%", 100), ("10%", 1000), ("100%", 10000) };
            foreach (var (method, accuracies) in new[]
            {
                ("MoCo v2 (frozen)", new[] { 0.70, 0.78, 0.82 }), ("Raw pixels", new[] { 0.66, 0.76, 0.81 }),
                ("Random encoder (frozen)", new[] { 0.60, 0.70, 0.74 }), ("Supervised encoder", new[] { 0.58, 0.80, 0.88 }),
            })
                for (int b = 0; b < budgets.Length; b++) rows.Add(new ResultRow(method, budgets[b].Item1, budgets[b].Item2, accuracies[b]));
            Plots.AccuracyVsLabels(Path.Combine(dir, "accuracy-vs-labels.png"), rows);

            // Ten Gaussian clusters in 32 dimensions.
            var random = new Random(2);
            int n = 1000, dim = 32;
            var centres = Enumerable.Range(0, 10).Select(_ => Enumerable.Range(0, dim).Select(_ => random.NextDouble() * 4).ToArray()).ToArray();
            var labels = Enumerable.Range(0, n).Select(i => i % 10).ToArray();
            var features = new float[n * dim];
            for (int i = 0; i < n; i++)
                for (int d = 0; d < dim; d++) features[i * dim + d] = (float)(centres[labels[i]][d] + random.NextDouble() - 0.5);
            string[] names = { "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot" };
            Plots.Embedding2D(Path.Combine(dir, "embedding-2d.png"), features, dim, labels, names);

            AssertPng(Path.Combine(dir, "training-curves.png"), 900, 500);
            AssertPng(Path.Combine(dir, "accuracy-vs-labels.png"), 900, 500);
            AssertPng(Path.Combine(dir, "embedding-2d.png"), 900, 650);
        }
        finally
        {
            if (!keep) Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void Curves_without_a_knn_monitor_and_a_single_budget_still_draw()
    {
        string dir = Directory.CreateTempSubdirectory("mlnetmoco-plots").FullName;
        try
        {
            Plots.TrainingCurves(Path.Combine(dir, "a.png"), new[] { new TrainingProgress(0, 1, 0, 1, 7, 0.1, 0.2, 10, TimeSpan.Zero, true) });
            Plots.AccuracyVsLabels(Path.Combine(dir, "b.png"), new[] { new ResultRow("m", "100%", 600, 0.8) });
            AssertPng(Path.Combine(dir, "a.png"), 900, 500);
            AssertPng(Path.Combine(dir, "b.png"), 900, 500);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
