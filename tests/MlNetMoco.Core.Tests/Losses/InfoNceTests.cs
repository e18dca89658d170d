using MlNetMoco.Core.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Tests.Losses;

public class InfoNceTests
{
    /// <summary>Naive per-sample InfoNCE from the paper: −log exp(q·k₊/T) / (exp(q·k₊/T) + Σᵢ exp(q·kᵢ/T)).</summary>
    private static double NaiveLoss(float[][] q, float[][] k, float[][] queueColumns, double t)
    {
        double total = 0;
        for (int n = 0; n < q.Length; n++)
        {
            double positive = Math.Exp(Dot(q[n], k[n]) / t);
            double denominator = positive + queueColumns.Sum(neg => Math.Exp(Dot(q[n], neg) / t));
            total += -Math.Log(positive / denominator);
        }
        return total / q.Length;
    }

    private static double Dot(float[] a, float[] b) => a.Zip(b).Sum(p => (double)p.First * p.Second);

    private static float[][] Rows(Tensor t) =>
        Enumerable.Range(0, (int)t.shape[0]).Select(i => t[i].data<float>().ToArray()).ToArray();

    [Theory]
    [InlineData(0.07)]
    [InlineData(0.2)]
    public void Loss_matches_the_naive_per_sample_formula(double temperature)
    {
        torch.manual_seed(3);
        using var q = nn.functional.normalize(randn(5, 8), dim: 1);
        using var k = nn.functional.normalize(randn(5, 8), dim: 1);
        using var queue = nn.functional.normalize(randn(8, 11), dim: 0);

        using var logits = InfoNce.Logits(q, k, queue, temperature);
        using var loss = InfoNce.Loss(logits);

        Assert.Equal(new long[] { 5, 12 }, logits.shape);
        double expected = NaiveLoss(Rows(q), Rows(k), Rows(queue.t()), temperature);
        Assert.Equal(expected, loss.item<float>(), 4);
    }

    [Fact]
    public void Accuracy_counts_rows_whose_positive_wins()
    {
        using var logits = tensor(new float[,] { { 5, 1, 2 }, { 0, 3, 1 }, { 2, 2.5f, 0 }, { 9, 0, 0 } });
        Assert.Equal(0.5, InfoNce.TopOneAccuracy(logits), 6);
    }
}
