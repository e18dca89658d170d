namespace MlNetMoco.Core.Interop;

/// <summary>The kinds of <c>fc</c> heads <see cref="ArchitectureDetector"/> recognises.</summary>
public enum HeadShape
{
    /// <summary>No <c>fc.*</c> tensors.</summary>
    None,

    /// <summary>One linear layer <c>fc.weight</c> [D, F], <c>fc.bias</c> [D]: MoCo v1's projection or torchvision's classifier.</summary>
    Linear,

    /// <summary>Linear–ReLU–Linear <c>fc.0.*</c> [H, F] and <c>fc.2.*</c> [D, H]: MoCo v2's projection MLP (H = F).</summary>
    Mlp,

    /// <summary>Anything else, e.g. moco-v3's Linear–BatchNorm–ReLU–Linear–BatchNorm projector.</summary>
    Other,
}
