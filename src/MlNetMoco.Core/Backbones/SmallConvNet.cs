using MlNetMoco.Core.Normalization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Backbones;

/// <summary>
/// A small, fast ConvNet for small images (28×28 grayscale, 32×32 RGB) on the CPU: four conv3×3–BatchNorm–ReLU
/// layers of widths 32, 64, 128, 256, the last three with stride 2, then a global average pool → 256 features.
/// Layers are named <c>layer1</c>…<c>layer4</c>, each with <c>conv</c> and <c>bn</c>; the head is <c>fc</c>.
/// Any input size works (a 28×28 image ends as 4×4 before pooling).
/// </summary>
public sealed class SmallConvNet : Backbone
{
    /// <summary>The pooled feature dimension (width of the last layer).</summary>
    public const int OutputFeatureDim = 256;

    private static readonly int[] s_widths = [32, 64, 128, OutputFeatureDim];
    private static readonly int[] s_strides = [1, 2, 2, 2];

    private readonly Sequential layer1;
    private readonly Sequential layer2;
    private readonly Sequential layer3;
    private readonly Sequential layer4;

    /// <summary>Builds the network, initialised as torchvision initialises ResNets (torch's global generator).</summary>
    /// <param name="inChannels">Number of input channels (1 grayscale, 3 RGB, any ≥ 1).</param>
    /// <param name="batchNormSplits">1 → BatchNorm2d; more → <see cref="SplitBatchNorm2d"/> with that many splits.</param>
    /// <param name="head">Module registered as <c>fc</c> and applied to the pooled features; null → identity.</param>
    public SmallConvNet(int inChannels = 3, int batchNormSplits = 1, nn.Module<Tensor, Tensor>? head = null)
        : base(nameof(SmallConvNet), inChannels, head)
    {
        if (batchNormSplits < 1)
            throw new ArgumentOutOfRangeException(nameof(batchNormSplits), batchNormSplits, "The number of BatchNorm splits must be at least 1.");
        BatchNormSplits = batchNormSplits;
        layer1 = Layer(inChannels, s_widths[0], s_strides[0], batchNormSplits);
        layer2 = Layer(s_widths[0], s_widths[1], s_strides[1], batchNormSplits);
        layer3 = Layer(s_widths[1], s_widths[2], s_strides[2], batchNormSplits);
        layer4 = Layer(s_widths[2], s_widths[3], s_strides[3], batchNormSplits);
        RegisterComponents();
        InitializeTrunk();
    }

    /// <summary>Number of BatchNorm sub-batches (1 = plain BatchNorm2d).</summary>
    public int BatchNormSplits { get; }

    /// <inheritdoc />
    public override int FeatureDim => OutputFeatureDim;

    /// <summary>The four conv–BN–ReLU layers <c>layer1</c>…<c>layer4</c> (submodules <c>conv</c>, <c>bn</c>, <c>relu</c>).</summary>
    public IReadOnlyList<Sequential> Layers => [layer1, layer2, layer3, layer4];

    /// <inheritdoc />
    public override Tensor Features(Tensor x)
    {
        ValidateInput(x);
        using var scope = NewDisposeScope();
        var y = layer4.call(layer3.call(layer2.call(layer1.call(x))));
        return y.mean([2L, 3L]).MoveToOuterDisposeScope();
    }

    private static Sequential Layer(int inChannels, int outChannels, int stride, int batchNormSplits) =>
        nn.Sequential(
            ("conv", nn.Conv2d(inChannels, outChannels, kernel_size: 3, stride: stride, padding: 1, bias: false)),
            ("bn", SplitBatchNorm2d.Create(outChannels, batchNormSplits)),
            ("relu", nn.ReLU(inplace: true)));
}
