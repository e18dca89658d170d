using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Augmentations;

/// <summary>torchvision's <c>RandomHorizontalFlip</c> on a batch: each sample is mirrored left–right with probability <see cref="P"/>.</summary>
/// <remarks>Draws one value per sample.</remarks>
public sealed class RandomHorizontalFlip : IBatchAugmentation
{
    /// <summary>Creates the op.</summary>
    /// <param name="p">
    /// Probability of flipping a sample. Default 0.5, as in MoCo v1 (He et al. 2019, arXiv:1911.05722) and v2
    /// (Chen et al. 2020, arXiv:2003.04297).
    /// </param>
    public RandomHorizontalFlip(double p = 0.5) => P = BatchOps.CheckProbability(p, nameof(p));

    /// <summary>Probability of flipping a sample.</summary>
    public double P { get; }

    /// <inheritdoc />
    public Tensor Apply(Tensor images, torch.Generator generator)
    {
        BatchOps.CheckImages(images, generator);
        long n = images.shape[0];
        var flip = BatchOps.Bernoulli(BatchOps.Uniform(generator, n), 1, 0, P);
        using var scope = NewDisposeScope();
        var mask = tensor(flip, new long[] { n, 1, 1, 1 }).to(images.device);
        return where(mask, images.flip(3), images).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public override string ToString() => $"RandomHorizontalFlip(p={P:G4})";
}
