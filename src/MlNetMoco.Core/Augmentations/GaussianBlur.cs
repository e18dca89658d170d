using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace MlNetMoco.Core.Augmentations;

/// <summary>
/// MoCo v2's <c>RandomApply([GaussianBlur([0.1, 2.0])], p = 0.5)</c> on a batch: with probability <see cref="P"/> a
/// sample is blurred by a Gaussian whose σ (in pixels) is uniform in [<see cref="SigmaMin"/>, <see cref="SigmaMax"/>].
/// </summary>
/// <remarks>
/// <para>
/// MoCo blurs PIL images with <c>ImageFilter.GaussianBlur(radius = σ)</c>, a Gaussian of standard deviation σ. Here the
/// blur is a separable convolution with reflect padding (torchvision's tensor <c>gaussian_blur</c>). The kernel size is
/// the same for the whole batch, K = 2·⌈3·<see cref="SigmaMax"/>⌉ + 1 (13 for σ ≤ 2), capped to the largest odd
/// number ≤ min(H, W) for small images (e.g. 7 for 8×8); each sample's kernel exp(−x²/2σ²) is normalised over that
/// support, so a sample with a small σ is truncated at ≥ 3σ as well.
/// </para>
/// <para>
/// Per-sample kernels run as one grouped convolution: the selected N'×C×H×W sub-batch is viewed as
/// 1×(N'·C)×H×W with N'·C groups, once horizontally and once vertically. Draws 2 values per sample (apply, σ).
/// </para>
/// </remarks>
public sealed class GaussianBlur : IBatchAugmentation
{
    /// <summary>Creates the op. The defaults are MoCo v2's (Chen et al. 2020, arXiv:2003.04297).</summary>
    /// <param name="sigmaMin">Smallest σ in pixels. Default 0.1 (MoCo v2).</param>
    /// <param name="sigmaMax">Largest σ in pixels. Default 2.0 (MoCo v2).</param>
    /// <param name="p">Probability of blurring a sample. Default 0.5 (MoCo v2; MoCo v1 has no blur).</param>
    public GaussianBlur(double sigmaMin = 0.1, double sigmaMax = 2.0, double p = 0.5)
    {
        if (!(sigmaMin > 0 && sigmaMin <= sigmaMax && double.IsFinite(sigmaMax)))
            throw new ArgumentException($"Sigma range must satisfy 0 < min ≤ max, got ({sigmaMin}, {sigmaMax}).", nameof(sigmaMin));
        SigmaMin = sigmaMin;
        SigmaMax = sigmaMax;
        P = BatchOps.CheckProbability(p, nameof(p));
    }

    /// <summary>Smallest σ in pixels.</summary>
    public double SigmaMin { get; }

    /// <summary>Largest σ in pixels.</summary>
    public double SigmaMax { get; }

    /// <summary>Probability of blurring a sample.</summary>
    public double P { get; }

    /// <summary>The kernel size used for H×W images: 2·⌈3·σmax⌉ + 1, capped to the largest odd number ≤ min(H, W).</summary>
    public int KernelSize(long height, long width)
    {
        long size = 2 * (long)Math.Ceiling(3 * SigmaMax) + 1;
        long cap = Math.Min(height, width);
        if (cap % 2 == 0) cap--;
        return (int)Math.Max(1, Math.Min(size, cap));
    }

    /// <inheritdoc />
    public Tensor Apply(Tensor images, torch.Generator generator)
    {
        BatchOps.CheckImages(images, generator);
        long n = images.shape[0];
        var u = BatchOps.Uniform(generator, n, 2);
        var selected = BatchOps.Bernoulli(u, 2, 0, P);
        int k = KernelSize(images.shape[2], images.shape[3]);
        if (k == 1) return images.clone();
        var sigma = new double[n];
        for (int s = 0; s < n; s++) sigma[s] = SigmaMin + (SigmaMax - SigmaMin) * u[s * 2 + 1];
        return BatchOps.ApplyToSelected(images, selected, (part, indices) => Blur(part, indices.Select(s => sigma[s]).ToArray(), k));
    }

    /// <summary>Blurs each sample of an N×C×H×W batch with its own σ and kernel size <paramref name="kernelSize"/> (odd, ≤ min(H, W)).</summary>
    public static Tensor Blur(Tensor images, IReadOnlyList<double> sigmas, int kernelSize)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(sigmas);
        if (kernelSize < 1 || kernelSize % 2 == 0) throw new ArgumentOutOfRangeException(nameof(kernelSize), kernelSize, "Must be odd and positive.");
        long n = images.shape[0], c = images.shape[1], h = images.shape[2], w = images.shape[3];
        if (sigmas.Count != n) throw new ArgumentException($"Need one sigma per sample ({n}), got {sigmas.Count}.", nameof(sigmas));
        if (kernelSize > Math.Min(h, w)) throw new ArgumentOutOfRangeException(nameof(kernelSize), kernelSize, "Larger than the images.");

        // One normalised 1-D kernel per (sample, channel) row.
        int half = kernelSize / 2;
        var weights = new float[n * c * kernelSize];
        var kernel = new double[kernelSize];
        for (int s = 0; s < n; s++)
        {
            double sum = 0;
            for (int i = 0; i < kernelSize; i++)
            {
                double x = (i - half) / sigmas[s];
                kernel[i] = Math.Exp(-0.5 * x * x);
                sum += kernel[i];
            }
            for (int ch = 0; ch < c; ch++)
                for (int i = 0; i < kernelSize; i++)
                    weights[(s * c + ch) * kernelSize + i] = (float)(kernel[i] / sum);
        }

        using var scope = NewDisposeScope();
        long groups = n * c;
        var kernels = tensor(weights, new long[] { groups, 1, 1, kernelSize }).to(images.dtype, images.device);
        var x1 = images.reshape(1, groups, h, w);
        var horizontal = F.conv2d(F.pad(x1, new long[] { half, half, 0, 0 }, PaddingModes.Reflect), kernels, groups: groups);
        var vertical = F.conv2d(F.pad(horizontal, new long[] { 0, 0, half, half }, PaddingModes.Reflect),
            kernels.view(groups, 1, kernelSize, 1), groups: groups);
        return vertical.reshape(n, c, h, w).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public override string ToString() => $"GaussianBlur(sigma=({SigmaMin:G4}, {SigmaMax:G4}), p={P:G4})";
}
