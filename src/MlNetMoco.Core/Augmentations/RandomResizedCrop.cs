using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace MlNetMoco.Core.Augmentations;

/// <summary>
/// torchvision's <c>RandomResizedCrop</c> on a batch: each sample gets its own crop box, which is resized to
/// <see cref="OutputHeight"/>×<see cref="OutputWidth"/> with bilinear interpolation.
/// </summary>
/// <remarks>
/// <para>
/// The box is sampled as torchvision's <c>RandomResizedCrop.get_params</c>: up to 10 tries of an area fraction uniform
/// in <see cref="ScaleMin"/>..<see cref="ScaleMax"/> and an aspect ratio log-uniform in
/// <see cref="RatioMin"/>..<see cref="RatioMax"/>, sides rounded half-to-even like Python's <c>round</c>; the first
/// box that fits is placed uniformly at random; if none fits, the central crop with the ratio clamped to the range.
/// </para>
/// <para>
/// The crop and the resize are one <c>affine_grid</c> + <c>grid_sample</c> (bilinear, <c>align_corners = false</c>,
/// sampling points clamped to the box), which equals <c>F.interpolate(crop, size, mode="bilinear",
/// align_corners=False)</c> of the cropped box, i.e.
/// torchvision's resize without antialiasing. Boxes larger than the output (downscaling) are therefore not
/// low-pass filtered first, unlike torchvision's default <c>antialias=True</c> on tensors.
/// </para>
/// <para>Draws 40 values per sample (10 tries × area, ratio, top, left).</para>
/// </remarks>
public sealed class RandomResizedCrop : IBatchAugmentation
{
    private const int Tries = 10;

    /// <summary>Creates the op.</summary>
    /// <param name="outputHeight">Height of the output crops, in pixels (may differ from the input's).</param>
    /// <param name="outputWidth">Width of the output crops, in pixels (may differ from the input's).</param>
    /// <param name="scaleMin">
    /// Smallest crop area as a fraction of the image. Default 0.2, as in MoCo v1 (He et al. 2019, arXiv:1911.05722)
    /// and v2 (Chen et al. 2020, arXiv:2003.04297) <c>main_moco.py</c>; torchvision's own default is 0.08.
    /// </param>
    /// <param name="scaleMax">Largest crop area as a fraction of the image. Default 1.</param>
    /// <param name="ratioMin">Smallest aspect ratio (width/height) of the box. Default 3/4 (torchvision, MoCo).</param>
    /// <param name="ratioMax">Largest aspect ratio (width/height) of the box. Default 4/3 (torchvision, MoCo).</param>
    public RandomResizedCrop(int outputHeight, int outputWidth, double scaleMin = 0.2, double scaleMax = 1.0,
        double ratioMin = 3.0 / 4.0, double ratioMax = 4.0 / 3.0)
    {
        if (outputHeight <= 0) throw new ArgumentOutOfRangeException(nameof(outputHeight), outputHeight, "Must be positive.");
        if (outputWidth <= 0) throw new ArgumentOutOfRangeException(nameof(outputWidth), outputWidth, "Must be positive.");
        if (!(scaleMin > 0 && scaleMin <= scaleMax))
            throw new ArgumentException($"Scale range must satisfy 0 < min ≤ max, got ({scaleMin}, {scaleMax}).", nameof(scaleMin));
        if (!(ratioMin > 0 && ratioMin <= ratioMax && double.IsFinite(ratioMax)))
            throw new ArgumentException($"Ratio range must satisfy 0 < min ≤ max, got ({ratioMin}, {ratioMax}).", nameof(ratioMin));
        OutputHeight = outputHeight;
        OutputWidth = outputWidth;
        ScaleMin = scaleMin;
        ScaleMax = scaleMax;
        RatioMin = ratioMin;
        RatioMax = ratioMax;
    }

    /// <summary>Height of the output crops.</summary>
    public int OutputHeight { get; }

    /// <summary>Width of the output crops.</summary>
    public int OutputWidth { get; }

    /// <summary>Smallest crop area as a fraction of the image.</summary>
    public double ScaleMin { get; }

    /// <summary>Largest crop area as a fraction of the image.</summary>
    public double ScaleMax { get; }

    /// <summary>Smallest aspect ratio (width/height) of the crop box.</summary>
    public double RatioMin { get; }

    /// <summary>Largest aspect ratio (width/height) of the crop box.</summary>
    public double RatioMax { get; }

    /// <inheritdoc />
    public Tensor Apply(Tensor images, torch.Generator generator)
    {
        BatchOps.CheckImages(images, generator);
        long n = images.shape[0], c = images.shape[1];
        int height = checked((int)images.shape[2]), width = checked((int)images.shape[3]);
        var u = BatchOps.Uniform(generator, n, Tries, 4);

        // theta maps output coordinates in [-1, 1] to input coordinates (align_corners = false):
        // x_in = (w/W)·x_out + (2j + w)/W − 1, and likewise for y with the box's top i and height h.
        // The sampling points are then clamped to the centres of the box's edge pixels, as resizing the cropped box
        // (torchvision's crop-then-resize) clamps them to its own border, so no pixel outside the box leaks in.
        var theta = new float[n * 6];
        var low = new float[n * 2];
        var high = new float[n * 2];
        for (int s = 0; s < n; s++)
        {
            var (top, left, h, w) = SampleBox(u, s * Tries * 4, height, width);
            theta[s * 6 + 0] = (float)((double)w / width);
            theta[s * 6 + 2] = (float)((2.0 * left + w) / width - 1.0);
            theta[s * 6 + 4] = (float)((double)h / height);
            theta[s * 6 + 5] = (float)((2.0 * top + h) / height - 1.0);
            low[s * 2 + 0] = (float)((2.0 * left + 1) / width - 1.0);
            high[s * 2 + 0] = (float)((2.0 * (left + w - 1) + 1) / width - 1.0);
            low[s * 2 + 1] = (float)((2.0 * top + 1) / height - 1.0);
            high[s * 2 + 1] = (float)((2.0 * (top + h - 1) + 1) / height - 1.0);
        }

        using var scope = NewDisposeScope();
        var thetaTensor = tensor(theta, new long[] { n, 2, 3 }).to(images.dtype, images.device);
        var lowTensor = tensor(low, new long[] { n, 1, 1, 2 }).to(images.dtype, images.device);
        var highTensor = tensor(high, new long[] { n, 1, 1, 2 }).to(images.dtype, images.device);
        var grid = F.affine_grid(thetaTensor, new long[] { n, c, OutputHeight, OutputWidth }, align_corners: false)
            .clamp(lowTensor, highTensor);
        var output = F.grid_sample(images, grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Border, align_corners: false);
        return output.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// torchvision's <c>get_params</c> for one sample from its 40 uniforms at <paramref name="offset"/>; returns the
    /// box's top row, left column, height and width in pixels.
    /// </summary>
    internal (int Top, int Left, int Height, int Width) SampleBox(double[] u, int offset, int height, int width)
    {
        double area = (double)height * width;
        double logRatioMin = Math.Log(RatioMin), logRatioMax = Math.Log(RatioMax);
        for (int t = 0; t < Tries; t++)
        {
            int o = offset + t * 4;
            double targetArea = area * (ScaleMin + (ScaleMax - ScaleMin) * u[o]);
            double aspect = Math.Exp(logRatioMin + (logRatioMax - logRatioMin) * u[o + 1]);
            int w = (int)Math.Round(Math.Sqrt(targetArea * aspect), MidpointRounding.ToEven);
            int h = (int)Math.Round(Math.Sqrt(targetArea / aspect), MidpointRounding.ToEven);
            if (w > 0 && w <= width && h > 0 && h <= height)
            {
                int top = Math.Min((int)(u[o + 2] * (height - h + 1)), height - h);
                int left = Math.Min((int)(u[o + 3] * (width - w + 1)), width - w);
                return (top, left, h, w);
            }
        }

        // Fallback: central crop, aspect ratio clamped to the range.
        double inRatio = (double)width / height;
        int fw = width, fh = height;
        if (inRatio < RatioMin) fh = (int)Math.Round(fw / RatioMin, MidpointRounding.ToEven);
        else if (inRatio > RatioMax) fw = (int)Math.Round(fh * RatioMax, MidpointRounding.ToEven);
        return ((height - fh) / 2, (width - fw) / 2, fh, fw);
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"RandomResizedCrop({OutputHeight}×{OutputWidth}, scale=({ScaleMin:G4}, {ScaleMax:G4}), ratio=({RatioMin:G4}, {RatioMax:G4}))";
}
