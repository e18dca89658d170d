using MlNetMoco.Core.Backbones;

namespace MlNetMoco.Core.Interop;

/// <summary>The encoder architecture <see cref="ArchitectureDetector"/> read from tensor names and shapes.</summary>
/// <param name="Kind">The backbone.</param>
/// <param name="InChannels">Input channels of the first convolution.</param>
/// <param name="SmallImageStem">ResNets: true for the 3×3 stride-1 stem, false for the ImageNet 7×7 stem.</param>
/// <param name="FeatureDim">Pooled feature dimension (512 for ResNet-18/34, 2048 for ResNet-50, 256 for SmallConvNet).</param>
/// <param name="Head">The <c>fc</c> head.</param>
public sealed record DetectedArchitecture(BackboneKind Kind, int InChannels, bool SmallImageStem, int FeatureDim, DetectedHead Head)
{
    /// <summary>The backbone spec that builds this trunk.</summary>
    /// <param name="batchNormSplits">BatchNorm sub-batches for training (Shuffle-BN); 1 = plain BatchNorm. Default 1.</param>
    public BackboneSpec ToSpec(int batchNormSplits = 1) => new(Kind, InChannels, SmallImageStem, batchNormSplits);

    /// <summary>The trunk alone, e.g. "ResNet50 (ImageNet stem, 3 input channels)".</summary>
    public string Trunk => Kind == BackboneKind.SmallConvNet
        ? $"{Kind} ({InChannels} input channel(s))"
        : $"{Kind} ({(SmallImageStem ? "small-image 3×3 stem" : "ImageNet 7×7 stem")}, {InChannels} input channel(s))";

    /// <inheritdoc />
    public override string ToString() => $"{Trunk} with {Head}";
}
