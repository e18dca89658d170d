using MlNetMoco.Demo.Reporting;

namespace MlNetMoco.Demo.Tests.Reporting;

public class PcaTests
{
    [Fact]
    public void Points_on_a_line_project_onto_it_with_the_variance_in_the_first_component()
    {
        // Points along (1, 2, 2)/3 with a little noise along (2, -1, 0)/√5.
        var random = new Random(1);
        int n = 50;
        var rows = new float[n * 3];
        var t = new double[n];
        for (int i = 0; i < n; i++)
        {
            t[i] = random.NextDouble() * 10 - 5;
            double e = (random.NextDouble() - 0.5) * 0.1;
            rows[3 * i] = (float)(t[i] / 3 + 2 * e / Math.Sqrt(5));
            rows[3 * i + 1] = (float)(2 * t[i] / 3 - e / Math.Sqrt(5));
            rows[3 * i + 2] = (float)(2 * t[i] / 3);
        }
        var projected = Pca.Project(rows, n, 3);
        double meanT = t.Average();
        var first = Enumerable.Range(0, n).Select(i => projected[2 * i]).ToArray();
        var second = Enumerable.Range(0, n).Select(i => projected[2 * i + 1]).ToArray();
        // The first component is ±(t − mean t); the second carries only the small noise.
        double sign = Math.Sign(first[0] * (t[0] - meanT));
        for (int i = 0; i < n; i++) Assert.Equal(t[i] - meanT, sign * first[i], 2);
        Assert.True(second.Max(Math.Abs) < 0.1);
    }
}
