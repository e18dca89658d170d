using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Augmentations;

/// <summary>torchvision's <c>Normalize</c>: (x − mean[c]) / std[c] per channel. Deterministic (draws nothing).</summary>
public sealed class Normalize : IBatchAugmentation
{
    private readonly float[] _mean;
    private readonly float[] _std;

    /// <summary>Creates the op.</summary>
    /// <param name="mean">Mean of each channel, in [0, 1] units.</param>
    /// <param name="std">Standard deviation of each channel, in [0, 1] units; all positive, one per mean.</param>
    public Normalize(float[] mean, float[] std)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        if (mean.Length == 0 || mean.Length != std.Length)
            throw new ArgumentException($"Need one std per mean, got {mean.Length} mean(s) and {std.Length} std(s).", nameof(std));
        if (std.Any(s => !(s > 0) || !float.IsFinite(s)))
            throw new ArgumentException("Normalisation stds must be positive and finite.", nameof(std));
        _mean = (float[])mean.Clone();
        _std = (float[])std.Clone();
    }

    /// <summary>Mean of each channel.</summary>
    public IReadOnlyList<float> Mean => _mean;

    /// <summary>Standard deviation of each channel.</summary>
    public IReadOnlyList<float> Std => _std;

    /// <inheritdoc />
    public Tensor Apply(Tensor images, torch.Generator generator)
    {
        BatchOps.CheckImages(images, generator);
        if (images.shape[1] != _mean.Length)
            throw new ArgumentException($"Normalize has {_mean.Length} channel(s), the images have {images.shape[1]}.", nameof(images));
        using var scope = NewDisposeScope();
        var shape = new long[] { 1, _mean.Length, 1, 1 };
        var mean = tensor(_mean, shape).to(images.dtype, images.device);
        var std = tensor(_std, shape).to(images.dtype, images.device);
        return ((images - mean) / std).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public override string ToString() => $"Normalize(mean=[{string.Join(", ", _mean)}], std=[{string.Join(", ", _std)}])";
}
