using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Augmentations;

/// <summary>
/// torchvision's <c>RandomApply([ColorJitter(brightness, contrast, saturation, hue)], p)</c> on a batch: with
/// probability <see cref="P"/> a sample gets its own random brightness, contrast, saturation and hue changes, applied
/// in its own random order.
/// </summary>
/// <remarks>
/// <para>
/// As in torchvision, the factors are uniform in [max(0, 1 − x), 1 + x] for brightness, contrast and saturation and the
/// hue shift is uniform in [−x, x]; an op whose strength x is 0 is skipped. The order of the four ops is a random
/// permutation drawn per sample (torchvision draws one per call, i.e. per image). Each op clamps to [0, 1]:
/// brightness blends with black (x·f), contrast blends with the mean of the sample's grayscale image, saturation
/// blends with the grayscale image, hue shifts h ← (h + f) mod 1 in HSV space.
/// </para>
/// <para>
/// Only RGB (C = 3) images get saturation and hue changes (torchvision leaves grayscale images unchanged there);
/// for any other channel count (grayscale C = 1 in particular) only brightness and contrast apply, and contrast
/// blends with the mean over all channels.
/// </para>
/// <para>Draws 9 values per sample (apply, 4 order keys, 4 factors), whatever the strengths and the channel count.</para>
/// </remarks>
public sealed class ColorJitter : IBatchAugmentation
{
    private const int Draws = 9;
    private const int OpBrightness = 0, OpContrast = 1, OpSaturation = 2, OpHue = 3;

    /// <summary>Creates the op. The defaults are MoCo v2's (Chen et al. 2020, arXiv:2003.04297).</summary>
    /// <param name="brightness">
    /// Brightness strength x ≥ 0: factor uniform in [max(0, 1 − x), 1 + x]. Default 0.4 (MoCo v1 and v2).
    /// </param>
    /// <param name="contrast">Contrast strength x ≥ 0: factor uniform in [max(0, 1 − x), 1 + x]. Default 0.4 (MoCo v1 and v2).</param>
    /// <param name="saturation">Saturation strength x ≥ 0: factor uniform in [max(0, 1 − x), 1 + x]. Default 0.4 (MoCo v1 and v2).</param>
    /// <param name="hue">
    /// Hue strength x in [0, 0.5]: shift uniform in [−x, x] turns. Default 0.1 (MoCo v2); MoCo v1 (He et al. 2019,
    /// arXiv:1911.05722) uses 0.4.
    /// </param>
    /// <param name="p">Probability of jittering a sample. Default 0.8 (MoCo v2's <c>RandomApply</c>); MoCo v1 uses 1.</param>
    public ColorJitter(double brightness = 0.4, double contrast = 0.4, double saturation = 0.4, double hue = 0.1, double p = 0.8)
    {
        Brightness = CheckStrength(brightness, nameof(brightness));
        Contrast = CheckStrength(contrast, nameof(contrast));
        Saturation = CheckStrength(saturation, nameof(saturation));
        if (!(hue is >= 0 and <= 0.5)) throw new ArgumentOutOfRangeException(nameof(hue), hue, "Hue strength must be in [0, 0.5].");
        Hue = hue;
        P = BatchOps.CheckProbability(p, nameof(p));
    }

    /// <summary>Brightness strength: factors in [max(0, 1 − x), 1 + x].</summary>
    public double Brightness { get; }

    /// <summary>Contrast strength: factors in [max(0, 1 − x), 1 + x].</summary>
    public double Contrast { get; }

    /// <summary>Saturation strength: factors in [max(0, 1 − x), 1 + x].</summary>
    public double Saturation { get; }

    /// <summary>Hue strength: shifts in [−x, x] turns.</summary>
    public double Hue { get; }

    /// <summary>Probability of jittering a sample.</summary>
    public double P { get; }

    /// <inheritdoc />
    public Tensor Apply(Tensor images, torch.Generator generator)
    {
        BatchOps.CheckImages(images, generator);
        int n = checked((int)images.shape[0]);
        bool rgb = images.shape[1] == 3;
        var u = BatchOps.Uniform(generator, n, Draws);
        var selected = BatchOps.Bernoulli(u, Draws, 0, P);

        // Per-sample factors (drawn for every sample, used only where jitter applies) and order of the four ops
        // (argsort of four uniforms: a uniformly random permutation per sample).
        var factors = new double[4][];
        for (int op = 0; op < 4; op++) factors[op] = new double[n];
        var order = new int[n][];
        for (int s = 0; s < n; s++)
        {
            int o = s * Draws;
            factors[OpBrightness][s] = Factor(Brightness, u[o + 5]);
            factors[OpContrast][s] = Factor(Contrast, u[o + 6]);
            factors[OpSaturation][s] = Factor(Saturation, u[o + 7]);
            factors[OpHue][s] = Hue * (2 * u[o + 8] - 1);
            order[s] = Enumerable.Range(0, 4).OrderBy(k => u[o + 1 + k]).ThenBy(k => k).ToArray();
        }

        var enabled = new[] { Brightness > 0, Contrast > 0, rgb && Saturation > 0, rgb && Hue > 0 };
        return BatchOps.ApplyToSelected(images, selected, (part, indices) =>
        {
            using var scope = NewDisposeScope();
            var x = part;
            for (int step = 0; step < 4; step++)
            {
                for (int op = 0; op < 4; op++)
                {
                    if (!enabled[op]) continue;
                    var mine = indices.Select(s => order[s][step] == op).ToArray();
                    if (!mine.Any(b => b)) continue;
                    int captured = op;
                    x = BatchOps.ApplyToSelected(x, mine, (sub, rows) =>
                        ApplyOp(captured, sub, BatchOps.Column(factors[captured], rows.Select(r => indices[r]).ToArray(), sub)));
                }
            }
            return (ReferenceEquals(x, part) ? part.clone() : x).MoveToOuterDisposeScope();
        });
    }

    /// <summary>Adjusts brightness: (x·f) clamped to [0, 1]; <paramref name="factor"/> broadcasts over N×C×H×W.</summary>
    public static Tensor AdjustBrightness(Tensor images, Tensor factor)
    {
        ArgumentNullException.ThrowIfNull(images);
        using var scope = NewDisposeScope();
        return (images * factor).clamp(HeldScalars.Zero, HeldScalars.One).MoveToOuterDisposeScope();
    }

    /// <summary>Adjusts contrast: blend with the mean of each sample's grayscale image, clamped to [0, 1].</summary>
    public static Tensor AdjustContrast(Tensor images, Tensor factor)
    {
        ArgumentNullException.ThrowIfNull(images);
        using var scope = NewDisposeScope();
        var mean = ColorSpace.ToGrayscale(images).mean(new long[] { 1, 2, 3 }, keepdim: true);
        return Blend(images, mean, factor).MoveToOuterDisposeScope();
    }

    /// <summary>Adjusts saturation of RGB images: blend with the grayscale image, clamped to [0, 1].</summary>
    public static Tensor AdjustSaturation(Tensor images, Tensor factor)
    {
        ArgumentNullException.ThrowIfNull(images);
        using var scope = NewDisposeScope();
        return Blend(images, ColorSpace.ToGrayscale(images), factor).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"ColorJitter(brightness={Brightness:G4}, contrast={Contrast:G4}, saturation={Saturation:G4}, hue={Hue:G4}, p={P:G4})";

    private static Tensor ApplyOp(int op, Tensor images, Tensor factor) => op switch
    {
        OpBrightness => AdjustBrightness(images, factor),
        OpContrast => AdjustContrast(images, factor),
        OpSaturation => AdjustSaturation(images, factor),
        _ => ColorSpace.AdjustHue(images, factor),
    };

    /// <summary>torchvision's <c>_blend</c>: (f·x + (1 − f)·other) clamped to [0, 1].</summary>
    // lerp(other, images, f) = f·images + (1−f)·other, without a temporary Scalar for "1 − f".
    private static Tensor Blend(Tensor images, Tensor other, Tensor factor) =>
        torch.lerp(other.expand_as(images), images, factor.expand_as(images)).clamp_(HeldScalars.Zero, HeldScalars.One);

    private static double Factor(double strength, double u)
    {
        double low = Math.Max(0, 1 - strength), high = 1 + strength;
        return low + (high - low) * u;
    }

    private static double CheckStrength(double x, string name) =>
        x >= 0 && double.IsFinite(x) ? x : throw new ArgumentOutOfRangeException(name, x, "Must be non-negative and finite.");
}
