using MlNetMoco.Core.Training;
using MlNetMoco.Demo.Reporting;

namespace MlNetMoco.Demo.Tests.Reporting;

public class PlotsTests
{
    private static void AssertPng(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length > 1000);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
    }

    [Fact]
    public void Every_plot_writes_a_png()
    {
        string dir = Directory.CreateTempSubdirectory("mlnetmoco-plots").FullName;
        var epochs = Enumerable.Range(0, 5).Select(e => new TrainingProgress(e, 5, 9, 10, 7 - 0.1 * e, 0.03, 0.1, 900, TimeSpan.Zero, true, 0.6 + 0.02 * e, 0.08)).ToList();
        Plots.TrainingCurves(Path.Combine(dir, "a.png"), epochs);
        Plots.AccuracyVsLabels(Path.Combine(dir, "b.png"), new[] { new ResultRow("m", "1%", 100, 0.6), new ResultRow("m", "100%", 10000, 0.8) });
        var random = new Random(2);
        var features = Enumerable.Range(0, 40 * 4).Select(_ => (float)random.NextDouble()).ToArray();
        Plots.Embedding2D(Path.Combine(dir, "c.png"), features, 4, Enumerable.Range(0, 40).Select(i => i % 3).ToArray(), new[] { "x", "y", "z" });
        foreach (var f in new[] { "a.png", "b.png", "c.png" }) AssertPng(Path.Combine(dir, f));
        Directory.Delete(dir, true);
    }
}
