namespace MlNetMoco.Core.Backbones;

/// <summary>The encoder architectures <see cref="BackboneFactory"/> can build.</summary>
public enum BackboneKind
{
    /// <summary>A small, fast 4-layer ConvNet for small images on the CPU (<see cref="Backbones.SmallConvNet"/>, 256 features).</summary>
    SmallConvNet,

    /// <summary>ResNet-18 (He et al. 2016) with torchvision names, 512 features.</summary>
    ResNet18,

    /// <summary>ResNet-34 with torchvision names, 512 features.</summary>
    ResNet34,

    /// <summary>ResNet-50 (bottleneck blocks) with torchvision names, 2048 features.</summary>
    ResNet50,

    /// <summary>
    /// ViT-Tiny (Dosovitskiy et al. 2021; Touvron et al. 2021 for the size) as MoCo v3 trains it (Chen, Xie, He 2021):
    /// width 192, depth 12, 3 heads, MLP ratio 4, frozen random patch projection, fixed 2-D sin-cos position
    /// embedding, timm names (<see cref="Backbones.VisionTransformer"/>), 192 features (the class token).
    /// </summary>
    VitTiny,

    /// <summary>
    /// ViT-Small as facebookresearch/moco-v3's <c>vit_small</c>: width 384, depth 12, 12 heads, MLP ratio 4,
    /// frozen random patch projection, fixed 2-D sin-cos position embedding (<see cref="Backbones.VisionTransformer"/>),
    /// 384 features.
    /// </summary>
    VitSmall,
}
