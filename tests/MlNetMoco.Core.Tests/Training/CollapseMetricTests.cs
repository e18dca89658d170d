using MlNetMoco.Core.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Tests.Training;

public class CollapseMetricTests
{
    [Fact]
    public void Collapsed_embeddings_give_zero()
    {
        using var one = randn(1, 64, generator: new Generator(1));
        using var collapsed = one.repeat(32, 1).mul_(3);
        Assert.True(CollapseMetric.EmbeddingStd(collapsed) < 1e-6);
    }

    [Theory]
    [InlineData(32)]
    [InlineData(128)]
    public void Random_gaussian_embeddings_give_about_one_over_sqrt_dim(int dim)
    {
        using var embeddings = randn(new long[] { 1000, dim }, generator: new Generator(2));
        double std = CollapseMetric.EmbeddingStd(embeddings);
        Assert.InRange(std, 0.95 / Math.Sqrt(dim), 1.05 / Math.Sqrt(dim));
    }

    [Fact]
    public void Matches_the_formula_and_ignores_row_scale()
    {
        using var embeddings = randn(new long[] { 5, 4 }, generator: new Generator(3));
        var rows = embeddings.data<float>().ToArray().Chunk(4)
            .Select(r => { double norm = Math.Sqrt(r.Sum(v => (double)v * v)); return r.Select(v => v / norm).ToArray(); }).ToArray();
        double expected = Enumerable.Range(0, 4).Average(d =>
        {
            double mean = rows.Average(r => r[d]);
            return Math.Sqrt(rows.Sum(r => (r[d] - mean) * (r[d] - mean)) / (rows.Length - 1));
        });
        Assert.Equal(expected, CollapseMetric.EmbeddingStd(embeddings), 6);

        using var scales = tensor(new float[] { 1, 10, 0.1f, 3, 7 }).unsqueeze(1);
        using var scaled = embeddings * scales;
        Assert.Equal(expected, CollapseMetric.EmbeddingStd(scaled), 6);
    }

    [Fact]
    public void Edge_cases()
    {
        using var single = ones(1, 8);
        Assert.True(double.IsNaN(CollapseMetric.EmbeddingStd(single)));
        using var vector = ones(8);
        Assert.Throws<ArgumentException>(() => CollapseMetric.EmbeddingStd(vector));

        // Gradients are neither needed nor recorded, and the input is untouched.
        using var leaf = randn(new long[] { 4, 3 }, generator: new Generator(4)).requires_grad_();
        using var copy = leaf.detach().clone();
        CollapseMetric.EmbeddingStd(leaf);
        Assert.True(leaf.detach().eq(copy).all().item<bool>());
        Assert.Null(leaf.grad);
    }
}
