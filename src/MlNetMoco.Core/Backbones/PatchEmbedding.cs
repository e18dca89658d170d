using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Backbones;

/// <summary>
/// A ViT's patch projection (timm's <c>PatchEmbed</c>): a convolution of kernel and stride <see cref="PatchSize"/>
/// named <c>proj</c>, so that N×C×H×W images become N×P×D patch tokens (P = (H/patch)·(W/patch), row-major over the
/// patch grid). In <see cref="VisionTransformer"/> its weights are random and frozen, as in MoCo v3.
/// </summary>
public sealed class PatchEmbedding : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d proj;

    /// <summary>Builds the projection (PyTorch's default initialisation; <see cref="VisionTransformer"/> re-draws it).</summary>
    /// <param name="inChannels">Image channels C.</param>
    /// <param name="embedDim">Token width D.</param>
    /// <param name="patchSize">Patch side (kernel and stride).</param>
    public PatchEmbedding(int inChannels, int embedDim, int patchSize) : base(nameof(PatchEmbedding))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(patchSize, 1);
        PatchSize = patchSize;
        proj = nn.Conv2d(inChannels, embedDim, kernel_size: patchSize, stride: patchSize, bias: true);
        RegisterComponents();
    }

    /// <summary>The patch side (the convolution's kernel and stride).</summary>
    public int PatchSize { get; }

    /// <summary>The projection, <c>proj</c>: weight D×C×patch×patch, bias D.</summary>
    public Conv2d Proj => proj;

    /// <summary>N×C×H×W → N×P×D.</summary>
    /// <param name="x">Images.</param>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return proj.call(x).flatten(2).transpose(1, 2).MoveToOuterDisposeScope();
    }
}
