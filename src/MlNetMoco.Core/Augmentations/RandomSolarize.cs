using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Augmentations;

/// <summary>
/// Random solarisation on a batch, the second view's extra op of BYOL (Grill et al. 2020) and MoCo v3 (Chen, Xie, He
/// 2021, arXiv:2104.02057): with probability <see cref="P"/> a sample has every value at or above
/// <see cref="Threshold"/> replaced by 1 − value (PIL's <c>ImageOps.solarize</c> on [0, 1] values). Draws one value per
/// sample.
/// </summary>
public sealed class RandomSolarize : IBatchAugmentation
{
    /// <summary>PIL's default threshold, 128 of 255, in [0, 1] units.</summary>
    public const double DefaultThreshold = 128.0 / 255.0;

    /// <summary>Creates the op.</summary>
    /// <param name="p">Probability of solarising a sample. Default 0.2 (MoCo v3's second view; BYOL's).</param>
    /// <param name="threshold">Values at or above it are inverted. Default 128/255 (PIL's <c>solarize</c>).</param>
    public RandomSolarize(double p = 0.2, double threshold = DefaultThreshold)
    {
        P = BatchOps.CheckProbability(p, nameof(p));
        if (!(threshold is >= 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "The threshold must be in [0, 1].");
        Threshold = threshold;
    }

    /// <summary>Probability of solarising a sample.</summary>
    public double P { get; }

    /// <summary>Values at or above it are inverted (1 − value).</summary>
    public double Threshold { get; }

    /// <inheritdoc />
    public Tensor Apply(Tensor images, torch.Generator generator)
    {
        BatchOps.CheckImages(images, generator);
        var selected = BatchOps.Bernoulli(BatchOps.Uniform(generator, images.shape[0]), 1, 0, P);
        return BatchOps.ApplyToSelected(images, selected, (part, _) => Solarize(part, Threshold));
    }

    /// <summary>A new tensor: <paramref name="images"/> with every value ≥ <paramref name="threshold"/> replaced by 1 − value.</summary>
    /// <param name="images">Values in [0, 1].</param>
    /// <param name="threshold">The inversion threshold.</param>
    public static Tensor Solarize(Tensor images, double threshold)
    {
        ArgumentNullException.ThrowIfNull(images);
        using var scope = NewDisposeScope();
        using var t = threshold.ToScalar();
        var inverted = images.neg().add_(HeldScalars.One, HeldScalars.One);
        return where(images.ge(t), inverted, images).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public override string ToString() => $"RandomSolarize(p={P:G4}, threshold={Threshold:G4})";
}
