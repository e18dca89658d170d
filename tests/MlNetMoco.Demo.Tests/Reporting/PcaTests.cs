using MlNetMoco.Demo.Reporting;

namespace MlNetMoco.Demo.Tests.Reporting;

public class PcaTests
{
    [Fact]
    public void Points_on_a_line_give_that_line_as_the_first_axis_and_project_onto_it()
    {
        // Points along u = (1, 2, 2)/3 with a little noise along w = (2, −1, 0)/√5.
        var random = new Random(1);
        int n = 50;
        var rows = new float[n * 3];
        var t = new double[n];
        var noise = new double[n];
        for (int i = 0; i < n; i++)
        {
            t[i] = random.NextDouble() * 10 - 5;
            double e = noise[i] = (random.NextDouble() - 0.5) * 0.1;
            rows[3 * i] = (float)(t[i] / 3 + 2 * e / Math.Sqrt(5));
            rows[3 * i + 1] = (float)(2 * t[i] / 3 - e / Math.Sqrt(5));
            rows[3 * i + 2] = (float)(2 * t[i] / 3);
        }
        var pca = Pca.Fit(rows, n, 3);

        Assert.Equal(2, pca.Components.Count);
        var first = pca.Components[0];
        Assert.Equal(1 / 3.0, first[0], tolerance: 1e-3); // largest coordinate positive: +u, not −u
        Assert.Equal(2 / 3.0, first[1], tolerance: 1e-3);
        Assert.Equal(2 / 3.0, first[2], tolerance: 1e-3);
        var second = pca.Components[1];
        Assert.Equal(1.0, Math.Abs(second[0] * 2 - second[1]) / Math.Sqrt(5), tolerance: 1e-3); // ±w
        Assert.Equal(0.0, first.Zip(second, (a, b) => a * b).Sum(), tolerance: 1e-6);

        double meanT = t.Average();
        double varT = t.Sum(x => (x - meanT) * (x - meanT)) / (n - 1);
        Assert.Equal(varT, pca.Variances[0], tolerance: 1e-3);
        Assert.True(pca.Variances[1] < 1e-2 && pca.Variances[1] > 0);
        Assert.True(pca.ExplainedVarianceRatio[0] > 0.999);

        var projected = pca.Transform(rows, n);
        for (int i = 0; i < n; i++) Assert.Equal(t[i] - meanT, projected[2 * i], tolerance: 1e-3);
        double meanNoise = noise.Average(), sign = Math.Sign(second[0]); // second axis is sign·w
        for (int i = 0; i < n; i++) Assert.Equal(sign * (noise[i] - meanNoise), projected[2 * i + 1], tolerance: 2e-3); // up to the small tilt from the sample correlation of t and noise
    }

    [Fact]
    public void Axis_aligned_data_gives_the_axes_in_order_of_variance()
    {
        // Independent coordinates with standard deviations 1, 5, 2, 0.5: the axes come out as e2, e3, e1.
        var random = new Random(3);
        int n = 4000;
        double[] std = { 1, 5, 2, 0.5 };
        var rows = new float[n * 4];
        for (int i = 0; i < n; i++)
            for (int d = 0; d < 4; d++) rows[4 * i + d] = (float)(std[d] * Gaussian(random) + 10 * d);
        var pca = Pca.Fit(rows, n, 4, components: 3);

        Assert.Equal(new[] { 1, 2, 0 }, pca.Components.Select(c => Array.IndexOf(c, c.Max())).ToArray());
        Assert.All(pca.Components, c => Assert.True(c.Max() > 0.99));
        // Nearly uncorrelated coordinates: the eigenvalues are the sample variances of e2, e3, e1.
        double SampleVariance(int d)
        {
            double mean = Enumerable.Range(0, n).Average(i => rows[4 * i + d]);
            return Enumerable.Range(0, n).Sum(i => (rows[4 * i + d] - mean) * (rows[4 * i + d] - mean)) / (n - 1);
        }
        Assert.Equal(SampleVariance(1), pca.Variances[0], tolerance: 1e-1);
        Assert.Equal(SampleVariance(2), pca.Variances[1], tolerance: 1e-1);
        Assert.Equal(SampleVariance(0), pca.Variances[2], tolerance: 1e-1);
        Assert.InRange(pca.Variances[0], 22, 28);
        Assert.True(pca.Variances[0] > pca.Variances[1] && pca.Variances[1] > pca.Variances[2]);
        Assert.Equal(Enumerable.Range(0, 4).Sum(SampleVariance), pca.TotalVariance, tolerance: 1e-6);
        Assert.Equal(new[] { 0.0, 10, 20, 30 }, pca.Mean.Select(m => Math.Round(m)).ToArray());
    }

    [Fact]
    public void Constant_data_and_more_components_than_dimensions_are_handled()
    {
        var rows = Enumerable.Repeat(3f, 10 * 2).ToArray();
        var projected = Pca.Project(rows, 10, 2, components: 5);
        Assert.Equal(20, projected.Length); // at most dim components
        Assert.All(projected, v => Assert.Equal(0, v));
        Assert.Throws<ArgumentException>(() => Pca.Fit(rows, 10, 3));
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
