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
}
