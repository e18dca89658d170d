using static TorchSharp.torch;

namespace MlNetMoco.Core.Backbones;

/// <summary>Builds the encoder a <see cref="BackboneSpec"/> describes.</summary>
public static class BackboneFactory
{
    /// <summary>Builds the backbone of <paramref name="spec"/>, freshly initialised (torch's global generator).</summary>
    /// <param name="spec">The architecture.</param>
    /// <param name="head">Module registered as <c>fc</c> and applied to the pooled features; null → identity.</param>
    public static Backbone Create(BackboneSpec spec, nn.Module<Tensor, Tensor>? head = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Kind switch
        {
            BackboneKind.SmallConvNet => new SmallConvNet(spec.InChannels, spec.BatchNormSplits, head),
            BackboneKind.ResNet18 => ResNet.ResNet18(spec.InChannels, spec.SmallImageStem, spec.BatchNormSplits, head: head),
            BackboneKind.ResNet34 => ResNet.ResNet34(spec.InChannels, spec.SmallImageStem, spec.BatchNormSplits, head: head),
            BackboneKind.ResNet50 => ResNet.ResNet50(spec.InChannels, spec.SmallImageStem, spec.BatchNormSplits, head: head),
            _ => throw new ArgumentException($"Unknown backbone kind {spec.Kind}.", nameof(spec)),
        };
    }

    /// <summary>The <see cref="Backbone.FeatureDim"/> of <paramref name="spec"/>'s backbone, without building it.</summary>
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
            _ => throw new ArgumentException($"Unknown backbone kind {spec.Kind}.", nameof(spec)),
        };
    }
}
