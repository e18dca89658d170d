using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Augmentations;

/// <summary>
/// Batched colour-space helpers on N×C×H×W tensors with values in [0, 1], following torchvision's tensor
/// implementations (<c>rgb_to_grayscale</c>, <c>_rgb2hsv</c>, <c>_hsv2rgb</c>, <c>adjust_hue</c>).
/// </summary>
public static class ColorSpace
{
    /// <summary>Weight of red in the ITU-R 601-2 luma transform (PIL's <c>convert("L")</c>, used by MoCo).</summary>
    public const float LumaRed = 0.299f;

    /// <summary>Weight of green in the ITU-R 601-2 luma transform.</summary>
    public const float LumaGreen = 0.587f;

    /// <summary>Weight of blue in the ITU-R 601-2 luma transform.</summary>
    public const float LumaBlue = 0.114f;

    // The weights as held Scalars (see HeldScalars): float32, as the float constants above.
    private static readonly Scalar Red = LumaRed.ToScalar(), Green = LumaGreen.ToScalar(), Blue = LumaBlue.ToScalar();

    /// <summary>
    /// Luma L = 0.299 R + 0.587 G + 0.114 B of an N×3×H×W batch, as N×1×H×W. A batch with another channel count is
    /// returned as its channel mean (a copy for C = 1).
    /// </summary>
    public static Tensor ToGrayscale(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.shape[1] != 3) return images.mean(new long[] { 1 }, keepdim: true);
        using var scope = NewDisposeScope();
        // Sums through add_(x, One): Tensor + Tensor (add without alpha) makes a temporary Scalar in TorchSharp.
        var gray = (images.narrow(1, 0, 1) * Red).add_(images.narrow(1, 1, 1) * Green, HeldScalars.One).add_(images.narrow(1, 2, 1) * Blue, HeldScalars.One);
        return gray.MoveToOuterDisposeScope();
    }

    /// <summary>N×3×H×W RGB in [0, 1] to HSV (hue in [0, 1), saturation and value in [0, 1]); grays get hue 0.</summary>
    public static Tensor RgbToHsv(Tensor rgb)
    {
        CheckRgb(rgb);
        using var scope = NewDisposeScope();
        var r = rgb.narrow(1, 0, 1);
        var g = rgb.narrow(1, 1, 1);
        var b = rgb.narrow(1, 2, 1);
        var maxc = rgb.amax(new long[] { 1 }, keepdim: true);
        var minc = rgb.amin(new long[] { 1 }, keepdim: true);
        var eqc = maxc.eq(minc);
        var cr = maxc - minc;
        var ones = ones_like(maxc);
        var s = cr / where(eqc, ones, maxc);
        var crDivisor = where(eqc, ones, cr);
        var rc = (maxc - r) / crDivisor;
        var gc = (maxc - g) / crDivisor;
        var bc = (maxc - b) / crDivisor;
        var isR = maxc.eq(r);
        var isG = maxc.eq(g).logical_and(isR.logical_not());
        var isB = isR.logical_or(isG).logical_not();
        // Sums through add_(x, One): + without alpha makes a temporary Scalar in TorchSharp.
        var h = where(isR, bc - gc, zeros_like(maxc))
            .add_(where(isG, (rc - bc).add_(HeldScalars.Two, HeldScalars.One), zeros_like(maxc)), HeldScalars.One)
            .add_(where(isB, (gc - rc).add_(HeldScalars.Four, HeldScalars.One), zeros_like(maxc)), HeldScalars.One);
        // h/6 + 1 lies in [5/6, 11/6], so its fractional part is h/6 mod 1 (frac takes no Scalar; fmod with one failed
        // intermittently with "Unknown scalar type" in TorchSharp 0.107 during long colour runs).
        h = (h / HeldScalars.Six).add_(HeldScalars.One, HeldScalars.One).frac();
        return cat(new[] { h, s, maxc }, 1).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// N×3×H×W HSV (hue taken modulo 1) to RGB: c = v − v·s·clamp(min(k, 4 − k), 0, 1) with k = (m + 6h) mod 6 and
    /// m = 5, 3, 1 for R, G, B — the same piecewise-linear map as torchvision's <c>_hsv2rgb</c>.
    /// </summary>
    public static Tensor HsvToRgb(Tensor hsv)
    {
        CheckRgb(hsv);
        using var scope = NewDisposeScope();
        var h = hsv.narrow(1, 0, 1);
        var s = hsv.narrow(1, 1, 1);
        var v = hsv.narrow(1, 2, 1);
        var m = tensor(new float[] { 5, 3, 1 }, new long[] { 1, 3, 1, 1 }).to(hsv.dtype, hsv.device);
        var k = m.add(h * HeldScalars.Six, HeldScalars.One).remainder(HeldScalars.Six);
        var t = minimum(k, k.neg().add_(HeldScalars.Four, HeldScalars.One)).clamp(HeldScalars.Zero, HeldScalars.One); // 4 − k
        var rgb = (v - v * s * t).clamp(HeldScalars.Zero, HeldScalars.One);
        return rgb.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Shifts the hue of an N×3×H×W RGB batch by a per-sample amount (torchvision <c>adjust_hue</c>):
    /// h ← (h + shift) mod 1 in HSV space.
    /// </summary>
    /// <param name="rgb">N×3×H×W RGB values in [0, 1].</param>
    /// <param name="shift">Hue shift in turns, broadcastable to N×1×H×W (usually N×1×1×1, each in [−0.5, 0.5]).</param>
    public static Tensor AdjustHue(Tensor rgb, Tensor shift)
    {
        ArgumentNullException.ThrowIfNull(shift);
        using var scope = NewDisposeScope();
        var hsv = RgbToHsv(rgb);
        var h = hsv.narrow(1, 0, 1).add(shift, HeldScalars.One).remainder(HeldScalars.One);
        var shifted = cat(new[] { h, hsv.narrow(1, 1, 2) }, 1);
        return HsvToRgb(shifted).MoveToOuterDisposeScope();
    }

    private static void CheckRgb(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.dim() != 4 || images.shape[1] != 3)
            throw new ArgumentException($"Expected an N×3×H×W batch, got shape [{string.Join(", ", images.shape)}].", nameof(images));
    }
}
