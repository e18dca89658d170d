using static TorchSharp.torch;

namespace MlNetMoco.Core.Backbones;

/// <summary>Builds the encoder a <see cref="BackboneSpec"/> describes.</summary>
public static class BackboneFactory
{
    /// <summary>
    /// Builds the backbone of <paramref name="spec"/>, freshly initialised (torch's global generator). A ViT spec needs
    /// its <see cref="BackboneSpec.ImageSize"/> and <see cref="BackboneSpec.PatchSize"/>: resolve automatic ones with
    /// <see cref="BackboneSpec.ForImages"/> first (the trainer does).
    /// </summary>
    /// <param name="spec">The architecture.</param>
    /// <param name="head">Module registered as <c>fc</c> and applied to the pooled features; null → identity.</param>
    /// <exception cref="ArgumentException">A ViT spec whose sizes are missing or do not fit (the message names the setting).</exception>
    public static Backbone Create(BackboneSpec spec, nn.Module<Tensor, Tensor>? head = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Kind switch
        {
            BackboneKind.SmallConvNet => new SmallConvNet(spec.InChannels, spec.BatchNormSplits, head),
            BackboneKind.ResNet18 => ResNet.ResNet18(spec.InChannels, spec.SmallImageStem, spec.BatchNormSplits, head: head),
            BackboneKind.ResNet34 => ResNet.ResNet34(spec.InChannels, spec.SmallImageStem, spec.BatchNormSplits, head: head),
            BackboneKind.ResNet50 => ResNet.ResNet50(spec.InChannels, spec.SmallImageStem, spec.BatchNormSplits, head: head),
            BackboneKind.VitTiny or BackboneKind.VitSmall => new VisionTransformer(spec.Kind, spec.InChannels, spec.ImageSize, spec.PatchSize, head),
            _ => throw new ArgumentException($"Unknown backbone kind {spec.Kind}.", nameof(spec)),
        };
    }

    /// <summary>The <see cref="Backbone.FeatureDim"/> of <paramref name="spec"/>'s backbone, without building it (a ViT's needs no sizes).</summary>
    /// <param name="spec">The architecture.</param>
    public static int FeatureDimOf(BackboneSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Kind switch
        {
            BackboneKind.SmallConvNet => SmallConvNet.OutputFeatureDim,
            BackboneKind.ResNet18 => ResNet.FeatureDimOf(18),
            BackboneKind.ResNet34 => ResNet.FeatureDimOf(34),
            BackboneKind.ResNet50 => ResNet.FeatureDimOf(50),
            BackboneKind.VitTiny or BackboneKind.VitSmall => VisionTransformer.SizeOf(spec.Kind).EmbedDim,
            _ => throw new ArgumentException($"Unknown backbone kind {spec.Kind}.", nameof(spec)),
        };
    }
}
