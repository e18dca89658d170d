using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Training;

/// <summary>
/// The collapse indicator of SimSiam (Chen &amp; He 2020, §4.1): the standard deviation over the batch of the
/// L2-normalised embeddings, averaged over the dimensions. Healthy embeddings spread over the sphere give about
/// 1/√dim; a collapsed encoder (every image mapped to the same point) gives 0.
/// </summary>
public static class CollapseMetric
{
    /// <summary>
    /// Mean over the D dimensions of the (unbiased) standard deviation over the N rows of
    /// <paramref name="embeddings"/>/‖row‖₂. Computed without gradients; the input is not changed.
    /// </summary>
    /// <param name="embeddings">N×D embeddings (any further dimensions are flattened into D), any device.</param>
    /// <returns>The metric, or <see cref="double.NaN"/> when there are fewer than two rows.</returns>
    /// <exception cref="ArgumentException">The tensor has fewer than two dimensions.</exception>
    public static double EmbeddingStd(Tensor embeddings)
    {
        ArgumentNullException.ThrowIfNull(embeddings);
        if (embeddings.ndim < 2)
            throw new ArgumentException($"Embeddings must be N×D, got a {embeddings.ndim}-D tensor.", nameof(embeddings));
        long n = embeddings.shape[0];
        if (n < 2) return double.NaN;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var z = nn.functional.normalize(embeddings.detach().reshape(n, -1).to(ScalarType.Float64), p: 2, dim: 1);
        return z.std(0).mean().item<double>();
    }
}
