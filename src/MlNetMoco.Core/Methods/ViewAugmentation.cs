using MlNetMoco.Core.Augmentations;
using MlNetMoco.Core.Data;
using MlNetMoco.Core.Training;

namespace MlNetMoco.Core.Methods;

/// <summary>
/// The augmentation of one view: a preset of the MoCo papers (or crop and flip only), with its crop size, crop-scale
/// range and horizontal flip overridable, ending with the per-channel normalisation. Grayscale images go through the
/// presets too (grayscale conversion is then the identity, colour jitter changes brightness and contrast only).
/// </summary>
public sealed record ViewAugmentation
{
    /// <summary>
    /// The recipe (<see cref="AugmentationPresets"/>): MoCo v1's, v2's or one of v3's two views; null gives a random resized crop and a flip
    /// only (the light augmentation of supervised training). Default <see cref="AugmentationPreset.MoCoV2"/>.
    /// </summary>
    public AugmentationPreset? Preset { get; init; } = AugmentationPreset.MoCoV2;

    /// <summary>Side length of the random crops; null keeps the input size. Default null.</summary>
    public int? CropSize { get; init; }

    /// <summary>Smallest crop area as a fraction of the image. Default 0.2 (facebookresearch/moco; torchvision's is 0.08).</summary>
    public double CropScaleMin { get; init; } = MoCoDefaults.CropScaleMin;

    /// <summary>Largest crop area as a fraction of the image. Default 1.</summary>
    public double CropScaleMax { get; init; } = MoCoDefaults.CropScaleMax;

    /// <summary>Whether images are flipped horizontally with probability 0.5. Default true (all MoCo recipes).</summary>
    public bool HorizontalFlip { get; init; } = MoCoDefaults.HorizontalFlip;

    /// <summary>
    /// Whether the preset's random Gaussian blur (MoCo v2's and v3's) is kept; false removes it (small images, where a σ of up
    /// to 2 px erases the detail). Default true.
    /// </summary>
    public bool GaussianBlur { get; init; } = true;

    /// <summary>
    /// Hue strength x of the preset's colour jitter, in [0, 0.5] (shift uniform in [−x, x] turns); null keeps the
    /// preset's (MoCo v2 and v3: 0.1; MoCo v1: 0.4). 0.5 draws any hue, so two views of an image no longer share its
    /// colours: instance discrimination cannot lean on them (the colour shortcut of SimCLR, Chen et al. 2020, §3).
    /// Only colour (3-channel) images are affected. Default null.
    /// </summary>
    public double? HueJitter { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting that is out of range.</summary>
    /// <param name="name">What this view is, for messages (e.g. "Method.Views[1]").</param>
    /// <returns>This view.</returns>
    public ViewAugmentation Validate(string name)
    {
        if (Preset is { } preset && !Enum.IsDefined(preset))
            throw new ArgumentException($"{name}.Preset = {(int)preset} is not valid: expected MoCoV1, MoCoV2, MoCoV3View1, MoCoV3View2 or null.", nameof(Preset));
        if (CropSize is <= 0) throw new ArgumentException($"{name}.CropSize = {CropSize} is not valid: expected null or a positive number.", nameof(CropSize));
        if (!(CropScaleMin > 0 && CropScaleMin <= CropScaleMax && CropScaleMax <= 1))
            throw new ArgumentException(
                $"{name}.CropScaleMin = {CropScaleMin}, CropScaleMax = {CropScaleMax} are not valid: expected 0 < CropScaleMin ≤ CropScaleMax ≤ 1.",
                nameof(CropScaleMin));
        if (HueJitter is { } hue && !(hue is >= 0 and <= 0.5))
            throw new ArgumentException($"{name}.HueJitter = {hue} is not valid: expected null or a number from 0 to 0.5.", nameof(HueJitter));
        return this;
    }

    /// <summary>The pipeline for images of <paramref name="shape"/> normalised with <paramref name="normalization"/>.</summary>
    /// <param name="shape">Shape of the training images.</param>
    /// <param name="normalization">Per-channel mean and std (the pipeline's last op).</param>
    public AugmentationPipeline Build(ImageShape shape, ImageNormalization normalization)
    {
        int height = CropSize ?? shape.Height, width = CropSize ?? shape.Width;
        var crop = new RandomResizedCrop(height, width, CropScaleMin, CropScaleMax);
        IEnumerable<IBatchAugmentation> ops = Preset is { } preset
            ? AugmentationPresets.Create(preset, height, width, shape.Channels, normalization.Mean, normalization.Std).Ops
                .Select(op => op switch
                {
                    RandomResizedCrop => crop,
                    ColorJitter jitter when HueJitter is { } hue => new ColorJitter(jitter.Brightness, jitter.Contrast, jitter.Saturation, hue, jitter.P),
                    _ => op,
                })
            : [crop, new RandomHorizontalFlip(), new Normalize(normalization.Mean, normalization.Std)];
        return new AugmentationPipeline(ops.Where(op => (HorizontalFlip || op is not RandomHorizontalFlip) && (GaussianBlur || op is not Augmentations.GaussianBlur)));
    }
}
