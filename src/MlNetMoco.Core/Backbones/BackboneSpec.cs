namespace MlNetMoco.Core.Backbones;

/// <summary>
/// Describes an encoder architecture; <see cref="BackboneFactory"/> builds it. Every value is validated on
/// construction and in <c>with</c> expressions, with an <see cref="ArgumentException"/> that names the setting.
/// </summary>
/// <param name="Kind">The architecture.</param>
/// <param name="InChannels">Number of input channels: 1 for grayscale, 3 for RGB, any ≥ 1. Default 3.</param>
/// <param name="SmallImageStem">
/// ResNets only: a 3×3 stride-1 first convolution and no max-pool, for small images such as 32×32 (the MoCo CIFAR
/// demo); false keeps the ImageNet stem (7×7 stride-2 convolution and 3×3 stride-2 max-pool). The SmallConvNet is
/// built for small images and ignores it. Default false.
/// </param>
/// <param name="BatchNormSplits">
/// Number of sub-batches whose statistics BatchNorm uses in training mode: 1 behaves exactly as BatchNorm2d, more
/// gives <see cref="Normalization.SplitBatchNorm2d"/>'s per-split statistics (Shuffle-BN on one device; training batches must then be a
/// multiple of it). Default 1.
/// </param>
public sealed record BackboneSpec(BackboneKind Kind, int InChannels = 3, bool SmallImageStem = false, int BatchNormSplits = 1)
{
    /// <summary>The architecture.</summary>
    public BackboneKind Kind { get; init => field = CheckKind(value); } = CheckKind(Kind);

    /// <summary>Number of input channels (≥ 1).</summary>
    public int InChannels { get; init => field = CheckInChannels(value); } = CheckInChannels(InChannels);

    /// <summary>ResNets only: 3×3 stride-1 stem without max-pool, for small images.</summary>
    public bool SmallImageStem { get; init; } = SmallImageStem;

    /// <summary>Number of BatchNorm sub-batches in training mode (≥ 1; 1 = plain BatchNorm2d).</summary>
    public int BatchNormSplits { get; init => field = CheckSplits(value); } = CheckSplits(BatchNormSplits);

    private static BackboneKind CheckKind(BackboneKind kind) =>
        Enum.IsDefined(kind)
            ? kind
            : throw new ArgumentException(
                $"Backbone kind {(int)kind} is not valid: expected one of {string.Join(", ", Enum.GetNames<BackboneKind>())}.", nameof(Kind));

    private static int CheckInChannels(int inChannels) =>
        inChannels >= 1
            ? inChannels
            : throw new ArgumentException($"InChannels = {inChannels} is not valid: a backbone needs at least 1 input channel (1 grayscale, 3 RGB).", nameof(InChannels));

    private static int CheckSplits(int splits) =>
        splits >= 1
            ? splits
            : throw new ArgumentException($"BatchNormSplits = {splits} is not valid: expected at least 1 (1 = plain BatchNorm).", nameof(BatchNormSplits));
}
