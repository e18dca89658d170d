using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Augmentations;

/// <summary>
/// torchvision's <c>RandomGrayscale</c> on a batch: with probability <see cref="P"/> a sample is replaced by its
/// ITU-R 601-2 luma (0.299 R + 0.587 G + 0.114 B, <see cref="ColorSpace.ToGrayscale"/>) replicated to all channels.
/// </summary>
/// <remarks>
/// Only RGB (C = 3) batches are converted; for any other channel count (grayscale C = 1 in particular) the op is the
/// identity (it returns a copy). It draws one value per sample either way.
/// </remarks>
public sealed class RandomGrayscale : IBatchAugmentation
{
    /// <summary>Creates the op.</summary>
    /// <param name="p">
    /// Probability of converting a sample. Default 0.2, as in MoCo v1 (He et al. 2019, arXiv:1911.05722) and v2
    /// (Chen et al. 2020, arXiv:2003.04297); torchvision's own default is 0.1.
    /// </param>
    public RandomGrayscale(double p = 0.2) => P = BatchOps.CheckProbability(p, nameof(p));

    /// <summary>Probability of converting a sample.</summary>
    public double P { get; }

    /// <inheritdoc />
    public Tensor Apply(Tensor images, torch.Generator generator)
    {
        BatchOps.CheckImages(images, generator);
        var selected = BatchOps.Bernoulli(BatchOps.Uniform(generator, images.shape[0]), 1, 0, P);
        if (images.shape[1] != 3) return images.clone();
        return BatchOps.ApplyToSelected(images, selected, (part, _) =>
        {
            using var scope = NewDisposeScope();
            return ColorSpace.ToGrayscale(part).expand(part.shape).contiguous().MoveToOuterDisposeScope();
        });
    }

    /// <inheritdoc />
    public override string ToString() => $"RandomGrayscale(p={P:G4})";
}
