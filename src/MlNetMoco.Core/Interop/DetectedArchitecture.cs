using MlNetMoco.Core.Backbones;

namespace MlNetMoco.Core.Interop;

/// <summary>The encoder architecture <see cref="ArchitectureDetector"/> read from tensor names and shapes.</summary>
/// <param name="Kind">The backbone.</param>
/// <param name="InChannels">Input channels of the first convolution.</param>
/// <param name="SmallImageStem">ResNets: true for the 3×3 stride-1 stem, false for the ImageNet 7×7 stem.</param>
/// <param name="FeatureDim">Pooled feature dimension (512 for ResNet-18/34, 2048 for ResNet-50, 256 for SmallConvNet, the width for a ViT).</param>
/// <param name="Head">The head (<c>fc</c>; timm's <c>head</c> on a ViT).</param>
public sealed record DetectedArchitecture(BackboneKind Kind, int InChannels, bool SmallImageStem, int FeatureDim, DetectedHead Head)
{
    /// <summary>ViTs: the patch side read from <c>patch_embed.proj.weight</c>; 0 for convolutional networks.</summary>
    public int PatchSize { get; init; }

    /// <summary>ViTs: the image side the position embedding was made for (patch side × √patches); 0 for convolutional networks.</summary>
    public int ImageSize { get; init; }

    /// <summary>The backbone spec that builds this trunk.</summary>
    /// <param name="batchNormSplits">BatchNorm sub-batches for training (Shuffle-BN); 1 = plain BatchNorm. Default 1.</param>
    public BackboneSpec ToSpec(int batchNormSplits = 1) => new(Kind, InChannels, SmallImageStem, batchNormSplits, PatchSize, ImageSize);

    /// <summary>The trunk alone, e.g. "ResNet50 (ImageNet stem, 3 input channels)".</summary>
    public string Trunk => Kind switch
    {
        BackboneKind.SmallConvNet => $"{Kind} ({InChannels} input channel(s))",
        BackboneKind.VitTiny or BackboneKind.VitSmall => $"{Kind} ({VitSizes}, {InChannels} input channel(s))",
        _ => $"{Kind} ({(SmallImageStem ? "small-image 3×3 stem" : "ImageNet 7×7 stem")}, {InChannels} input channel(s))",
    };

    /// <summary>Whether this and <paramref name="other"/> are the same trunk: kind, input channels, and the ResNet stem or the ViT sizes (a 0 size on either side matches any).</summary>
    /// <param name="other">The other architecture.</param>
    public bool SameTrunk(DetectedArchitecture other)
    {
        ArgumentNullException.ThrowIfNull(other);
        static bool Size(int a, int b) => a == 0 || b == 0 || a == b;
        return Kind == other.Kind && InChannels == other.InChannels && Kind switch
        {
            BackboneKind.SmallConvNet => true,
            BackboneKind.VitTiny or BackboneKind.VitSmall => Size(PatchSize, other.PatchSize) && Size(ImageSize, other.ImageSize),
            _ => SmallImageStem == other.SmallImageStem,
        };
    }

    private string VitSizes => (ImageSize, PatchSize) switch
    {
        ( > 0, > 0) => $"{ImageSize}×{ImageSize} images in {PatchSize}×{PatchSize} patches",
        (0, > 0) => $"{PatchSize}×{PatchSize} patches",
        ( > 0, 0) => $"{ImageSize}×{ImageSize} images",
        _ => "sizes from the images",
    };

    /// <inheritdoc />
    public override string ToString() => $"{Trunk} with {Head}";
}
