namespace MlNetMoco.Core.Augmentations;

/// <summary>
/// The augmentation pipelines of facebookresearch/moco <c>main_moco.py</c>, as batched tensor ops. Every pipeline
/// ends with <see cref="Normalize"/>; its input is [0, 1] pixels.
/// </summary>
/// <remarks>
/// Grayscale (C = 1) images go through the same pipelines: <see cref="RandomGrayscale"/> is then the identity and
/// <see cref="ColorJitter"/> changes only brightness and contrast.
/// </remarks>
public static class AugmentationPresets
{
    /// <summary>
    /// MoCo v1 (He et al. 2019, arXiv:1911.05722): RandomResizedCrop(scale 0.2–1) → RandomGrayscale(0.2) →
    /// ColorJitter(0.4, 0.4, 0.4, 0.4) always → RandomHorizontalFlip(0.5) → Normalize.
    /// </summary>
    /// <param name="outputHeight">Height of the crops.</param>
    /// <param name="outputWidth">Width of the crops.</param>
    /// <param name="channels">Channels of the images (1 or 3 typically); must match <paramref name="mean"/> and <paramref name="std"/>.</param>
    /// <param name="mean">Per-channel mean for normalisation.</param>
    /// <param name="std">Per-channel standard deviation for normalisation.</param>
    public static AugmentationPipeline MoCoV1(int outputHeight, int outputWidth, int channels, float[] mean, float[] std)
    {
        CheckChannels(channels, mean, std);
        return new AugmentationPipeline(
            new RandomResizedCrop(outputHeight, outputWidth, scaleMin: 0.2, scaleMax: 1.0),
            new RandomGrayscale(p: 0.2),
            new ColorJitter(brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.4, p: 1.0),
            new RandomHorizontalFlip(p: 0.5),
            new Normalize(mean, std));
    }

    /// <summary>
    /// MoCo v2 (Chen et al. 2020, arXiv:2003.04297): RandomResizedCrop(scale 0.2–1) → ColorJitter(0.4, 0.4, 0.4, 0.1)
    /// with p = 0.8 → RandomGrayscale(0.2) → GaussianBlur(σ ∈ [0.1, 2]) with p = 0.5 → RandomHorizontalFlip(0.5) →
    /// Normalize.
    /// </summary>
    /// <param name="outputHeight">Height of the crops.</param>
    /// <param name="outputWidth">Width of the crops.</param>
    /// <param name="channels">Channels of the images (1 or 3 typically); must match <paramref name="mean"/> and <paramref name="std"/>.</param>
    /// <param name="mean">Per-channel mean for normalisation.</param>
    /// <param name="std">Per-channel standard deviation for normalisation.</param>
    public static AugmentationPipeline MoCoV2(int outputHeight, int outputWidth, int channels, float[] mean, float[] std)
    {
        CheckChannels(channels, mean, std);
        return new AugmentationPipeline(
            new RandomResizedCrop(outputHeight, outputWidth, scaleMin: 0.2, scaleMax: 1.0),
            new ColorJitter(brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1, p: 0.8),
            new RandomGrayscale(p: 0.2),
            new GaussianBlur(sigmaMin: 0.1, sigmaMax: 2.0, p: 0.5),
            new RandomHorizontalFlip(p: 0.5),
            new Normalize(mean, std));
    }

    /// <summary>
    /// MoCo v3 (Chen, Xie, He 2021, arXiv:2104.02057, which takes BYOL's asymmetric views): RandomResizedCrop(scale
    /// 0.08–1) → ColorJitter(0.4, 0.4, 0.2, 0.1) with p = 0.8 → RandomGrayscale(0.2) → GaussianBlur(σ ∈ [0.1, 2]) with
    /// p = 1 (view 1) or 0.1 (view 2) → RandomSolarize with p = 0 (view 1, left out) or 0.2 (view 2) →
    /// RandomHorizontalFlip(0.5) → Normalize.
    /// </summary>
    /// <param name="outputHeight">Height of the crops.</param>
    /// <param name="outputWidth">Width of the crops.</param>
    /// <param name="channels">Channels of the images; must match <paramref name="mean"/> and <paramref name="std"/>.</param>
    /// <param name="mean">Per-channel mean for normalisation.</param>
    /// <param name="std">Per-channel standard deviation for normalisation.</param>
    /// <param name="secondView">False for the first view (always blurred), true for the second (rarely blurred, sometimes solarised).</param>
    public static AugmentationPipeline MoCoV3(int outputHeight, int outputWidth, int channels, float[] mean, float[] std, bool secondView)
    {
        CheckChannels(channels, mean, std);
        var ops = new List<IBatchAugmentation>
        {
            new RandomResizedCrop(outputHeight, outputWidth, scaleMin: 0.08, scaleMax: 1.0),
            new ColorJitter(brightness: 0.4, contrast: 0.4, saturation: 0.2, hue: 0.1, p: 0.8),
            new RandomGrayscale(p: 0.2),
            new GaussianBlur(sigmaMin: 0.1, sigmaMax: 2.0, p: secondView ? 0.1 : 1.0),
        };
        if (secondView) ops.Add(new RandomSolarize(p: 0.2));
        ops.Add(new RandomHorizontalFlip(p: 0.5));
        ops.Add(new Normalize(mean, std));
        return new AugmentationPipeline(ops);
    }

    /// <summary>Inference / evaluation: <see cref="Normalize"/> only (no randomness).</summary>
    /// <param name="mean">Per-channel mean for normalisation.</param>
    /// <param name="std">Per-channel standard deviation for normalisation.</param>
    public static AugmentationPipeline Inference(float[] mean, float[] std) => new(new Normalize(mean, std));

    /// <summary>The pipeline of <paramref name="preset"/> (<see cref="MoCoV1"/>, <see cref="MoCoV2"/> or either view of <see cref="MoCoV3"/>).</summary>
    /// <param name="preset">Which recipe.</param>
    /// <param name="outputHeight">Height of the crops.</param>
    /// <param name="outputWidth">Width of the crops.</param>
    /// <param name="channels">Channels of the images; must match <paramref name="mean"/> and <paramref name="std"/>.</param>
    /// <param name="mean">Per-channel mean for normalisation.</param>
    /// <param name="std">Per-channel standard deviation for normalisation.</param>
    public static AugmentationPipeline Create(AugmentationPreset preset, int outputHeight, int outputWidth, int channels, float[] mean, float[] std) =>
        preset switch
        {
            AugmentationPreset.MoCoV1 => MoCoV1(outputHeight, outputWidth, channels, mean, std),
            AugmentationPreset.MoCoV2 => MoCoV2(outputHeight, outputWidth, channels, mean, std),
            AugmentationPreset.MoCoV3View1 => MoCoV3(outputHeight, outputWidth, channels, mean, std, secondView: false),
            AugmentationPreset.MoCoV3View2 => MoCoV3(outputHeight, outputWidth, channels, mean, std, secondView: true),
            _ => throw new ArgumentOutOfRangeException(nameof(preset), preset, "Unknown augmentation preset."),
        };

    private static void CheckChannels(int channels, float[] mean, float[] std)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        if (channels <= 0) throw new ArgumentOutOfRangeException(nameof(channels), channels, "Must be positive.");
        if (mean.Length != channels || std.Length != channels)
            throw new ArgumentException($"Normalisation has {mean.Length} mean(s) and {std.Length} std(s) for {channels} channel(s).", nameof(mean));
    }
}
