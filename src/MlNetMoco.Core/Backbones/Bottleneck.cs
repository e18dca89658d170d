using MlNetMoco.Core.Normalization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Backbones;

/// <summary>
/// The bottleneck block of ResNet-50 (torchvision's "ResNet v1.5": the stride sits on the 3×3 convolution):
/// 1×1 reduce, 3×3, 1×1 expand (×4), each with BatchNorm, and a 1×1 convolution + BatchNorm shortcut
/// (<c>downsample</c>) when the stride or width changes. Parameter names follow torchvision.
/// </summary>
public sealed class Bottleneck : nn.Module<Tensor, Tensor>
{
    /// <summary>Ratio of output channels to <c>planes</c>.</summary>
    public const int Expansion = 4;

    private readonly Conv2d conv1;
    private readonly BatchNorm bn1;
    private readonly Conv2d conv2;
    private readonly BatchNorm bn2;
    private readonly Conv2d conv3;
    private readonly BatchNorm bn3;
    private readonly Sequential? downsample;

    /// <summary>Builds a block mapping <paramref name="inPlanes"/> channels to 4·<paramref name="planes"/>.</summary>
    /// <param name="inPlanes">Input channels.</param>
    /// <param name="planes">Width of the bottleneck; the block outputs 4·planes channels.</param>
    /// <param name="stride">Stride of the 3×3 convolution (and of the shortcut).</param>
    /// <param name="batchNormSplits">1 → BatchNorm2d; more → <see cref="SplitBatchNorm2d"/> with that many splits.</param>
    public Bottleneck(int inPlanes, int planes, int stride = 1, int batchNormSplits = 1) : base(nameof(Bottleneck))
    {
        Stride = stride;
        int outPlanes = planes * Expansion;
        conv1 = nn.Conv2d(inPlanes, planes, kernel_size: 1, bias: false);
        bn1 = SplitBatchNorm2d.Create(planes, batchNormSplits);
        conv2 = nn.Conv2d(planes, planes, kernel_size: 3, stride: stride, padding: 1, bias: false);
        bn2 = SplitBatchNorm2d.Create(planes, batchNormSplits);
        conv3 = nn.Conv2d(planes, outPlanes, kernel_size: 1, bias: false);
        bn3 = SplitBatchNorm2d.Create(outPlanes, batchNormSplits);
        if (stride != 1 || inPlanes != outPlanes)
        {
            downsample = nn.Sequential(
                nn.Conv2d(inPlanes, outPlanes, kernel_size: 1, stride: stride, bias: false),
                SplitBatchNorm2d.Create(outPlanes, batchNormSplits));
        }
        RegisterComponents();
    }

    /// <summary>Stride of the block.</summary>
    public int Stride { get; }

    /// <summary>1×1 reducing convolution.</summary>
    public Conv2d Conv1 => conv1;

    /// <summary>BatchNorm after <see cref="Conv1"/>.</summary>
    public BatchNorm Bn1 => bn1;

    /// <summary>3×3 convolution (carries the stride).</summary>
    public Conv2d Conv2 => conv2;

    /// <summary>BatchNorm after <see cref="Conv2"/>.</summary>
    public BatchNorm Bn2 => bn2;

    /// <summary>1×1 expanding convolution.</summary>
    public Conv2d Conv3 => conv3;

    /// <summary>BatchNorm after <see cref="Conv3"/> (zeroed by zero-init-residual).</summary>
    public BatchNorm Bn3 => bn3;

    /// <summary>The projection shortcut (1×1 convolution, BatchNorm), or null for the identity shortcut.</summary>
    public Sequential? Downsample => downsample;

    /// <summary>relu(bn3(conv3(relu(bn2(conv2(relu(bn1(conv1(x)))))))) + shortcut(x)).</summary>
    /// <param name="x">N×inPlanes×H×W.</param>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var identity = downsample is null ? x : downsample.call(x);
        var y = bn1.call(conv1.call(x)).relu_();
        y = bn2.call(conv2.call(y)).relu_();
        y = bn3.call(conv3.call(y));
        // alpha held (HeldScalars): add_(x) without alpha makes a temporary Scalar in TorchSharp.
        return y.add_(identity, HeldScalars.One).relu_().MoveToOuterDisposeScope();
    }
}
