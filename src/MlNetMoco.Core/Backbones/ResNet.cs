using MlNetMoco.Core.Normalization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Backbones;

/// <summary>
/// ResNet-18/34/50 (He et al. 2016) as torchvision builds it, with torchvision's parameter and buffer names
/// (<c>conv1</c>, <c>bn1</c>, <c>layer1.0.conv1</c>, …, <c>layer2.0.downsample.0</c>, …, <c>fc</c>) so that a
/// torchvision or facebookresearch/moco state dict maps 1:1. The head in the <c>fc</c> slot is supplied by the
/// caller (identity when none). Options: any number of input channels, the small-image stem of the MoCo CIFAR
/// demo, SplitBatchNorm and zero-init-residual.
/// </summary>
public sealed class ResNet : Backbone
{
    private readonly Conv2d conv1;
    private readonly BatchNorm bn1;
    private readonly MaxPool2d? maxpool;
    private readonly Sequential layer1;
    private readonly Sequential layer2;
    private readonly Sequential layer3;
    private readonly Sequential layer4;
    private readonly int _featureDim;

    /// <summary>Builds a ResNet of the given depth, initialised as torchvision does (torch's global generator).</summary>
    /// <param name="depth">18, 34 or 50.</param>
    /// <param name="inChannels">Number of input channels (1 grayscale, 3 RGB, any ≥ 1).</param>
    /// <param name="smallImageStem">
    /// True: 3×3 stride-1 <c>conv1</c> and no max-pool (MoCo CIFAR demo, for 32×32 images); false: torchvision's
    /// 7×7 stride-2 <c>conv1</c> followed by a 3×3 stride-2 max-pool.
    /// </param>
    /// <param name="batchNormSplits">1 → BatchNorm2d; more → <see cref="SplitBatchNorm2d"/> with that many splits.</param>
    /// <param name="zeroInitResidual">Zero the last BatchNorm weight of every residual block (Goyal et al. 2017).</param>
    /// <param name="head">Module registered as <c>fc</c> and applied to the pooled features; null → identity.</param>
    public ResNet(int depth, int inChannels = 3, bool smallImageStem = false, int batchNormSplits = 1, bool zeroInitResidual = false, nn.Module<Tensor, Tensor>? head = null)
        : base(NameOf(depth, batchNormSplits), inChannels, head)
    {
        Depth = depth;
        SmallImageStem = smallImageStem;
        BatchNormSplits = batchNormSplits;
        _featureDim = FeatureDimOf(depth);
        bool bottleneck = depth >= 50;
        int[] blocks = BlocksPerStage(depth);

        conv1 = smallImageStem
            ? nn.Conv2d(inChannels, 64, kernel_size: 3, stride: 1, padding: 1, bias: false)
            : nn.Conv2d(inChannels, 64, kernel_size: 7, stride: 2, padding: 3, bias: false);
        bn1 = SplitBatchNorm2d.Create(64, batchNormSplits);
        maxpool = smallImageStem ? null : nn.MaxPool2d(kernel_size: 3, stride: 2, padding: 1);

        int inPlanes = 64;
        layer1 = MakeLayer(bottleneck, ref inPlanes, 64, blocks[0], 1, batchNormSplits);
        layer2 = MakeLayer(bottleneck, ref inPlanes, 128, blocks[1], 2, batchNormSplits);
        layer3 = MakeLayer(bottleneck, ref inPlanes, 256, blocks[2], 2, batchNormSplits);
        layer4 = MakeLayer(bottleneck, ref inPlanes, 512, blocks[3], 2, batchNormSplits);

        RegisterComponents();
        InitializeTrunk();
        if (zeroInitResidual)
        {
            using var noGrad = no_grad();
            foreach (var module in modules())
            {
                if (module is BasicBlock basic) nn.init.zeros_(basic.Bn2.weight);
                else if (module is Bottleneck neck) nn.init.zeros_(neck.Bn3.weight);
            }
        }
    }

    /// <summary>ResNet-18 (BasicBlock, [2, 2, 2, 2]); 512 features.</summary>
    /// <param name="inChannels">Number of input channels.</param>
    /// <param name="smallImageStem">3×3 stride-1 stem without max-pool.</param>
    /// <param name="batchNormSplits">Number of BatchNorm sub-batches (1 = BatchNorm2d).</param>
    /// <param name="zeroInitResidual">Zero the last BatchNorm weight of every block.</param>
    /// <param name="head">The <c>fc</c> head; null → identity.</param>
    public static ResNet ResNet18(int inChannels = 3, bool smallImageStem = false, int batchNormSplits = 1, bool zeroInitResidual = false, nn.Module<Tensor, Tensor>? head = null) =>
        new(18, inChannels, smallImageStem, batchNormSplits, zeroInitResidual, head);

    /// <summary>ResNet-34 (BasicBlock, [3, 4, 6, 3]); 512 features.</summary>
    /// <param name="inChannels">Number of input channels.</param>
    /// <param name="smallImageStem">3×3 stride-1 stem without max-pool.</param>
    /// <param name="batchNormSplits">Number of BatchNorm sub-batches (1 = BatchNorm2d).</param>
    /// <param name="zeroInitResidual">Zero the last BatchNorm weight of every block.</param>
    /// <param name="head">The <c>fc</c> head; null → identity.</param>
    public static ResNet ResNet34(int inChannels = 3, bool smallImageStem = false, int batchNormSplits = 1, bool zeroInitResidual = false, nn.Module<Tensor, Tensor>? head = null) =>
        new(34, inChannels, smallImageStem, batchNormSplits, zeroInitResidual, head);

    /// <summary>ResNet-50 (Bottleneck, [3, 4, 6, 3]); 2048 features.</summary>
    /// <param name="inChannels">Number of input channels.</param>
    /// <param name="smallImageStem">3×3 stride-1 stem without max-pool.</param>
    /// <param name="batchNormSplits">Number of BatchNorm sub-batches (1 = BatchNorm2d).</param>
    /// <param name="zeroInitResidual">Zero the last BatchNorm weight of every block.</param>
    /// <param name="head">The <c>fc</c> head; null → identity.</param>
    public static ResNet ResNet50(int inChannels = 3, bool smallImageStem = false, int batchNormSplits = 1, bool zeroInitResidual = false, nn.Module<Tensor, Tensor>? head = null) =>
        new(50, inChannels, smallImageStem, batchNormSplits, zeroInitResidual, head);

    /// <summary>The pooled feature dimension of a ResNet of <paramref name="depth"/>: 512 for 18/34, 2048 for 50.</summary>
    /// <param name="depth">18, 34 or 50.</param>
    public static int FeatureDimOf(int depth)
    {
        BlocksPerStage(depth);
        return depth >= 50 ? 512 * Bottleneck.Expansion : 512 * BasicBlock.Expansion;
    }

    /// <summary>18, 34 or 50.</summary>
    public int Depth { get; }

    /// <summary>Whether the stem is the 3×3 stride-1 small-image stem (no max-pool).</summary>
    public bool SmallImageStem { get; }

    /// <summary>Number of BatchNorm sub-batches (1 = plain BatchNorm2d).</summary>
    public int BatchNormSplits { get; }

    /// <inheritdoc />
    public override int FeatureDim => _featureDim;

    /// <summary>The stem convolution.</summary>
    public Conv2d Conv1 => conv1;

    /// <summary>BatchNorm after the stem convolution.</summary>
    public BatchNorm Bn1 => bn1;

    /// <summary>The stem's 3×3 stride-2 max-pool, or null with the small-image stem.</summary>
    public MaxPool2d? MaxPool => maxpool;

    /// <summary>The four stages <c>layer1</c>…<c>layer4</c>; each holds <see cref="BasicBlock"/>s or <see cref="Bottleneck"/>s.</summary>
    public IReadOnlyList<Sequential> Layers => [layer1, layer2, layer3, layer4];

    /// <inheritdoc />
    public override Tensor Features(Tensor x)
    {
        ValidateInput(x);
        using var scope = NewDisposeScope();
        var y = bn1.call(conv1.call(x)).relu_();
        if (maxpool is not null)
            y = maxpool.call(y);
        y = layer4.call(layer3.call(layer2.call(layer1.call(y))));
        return y.mean([2L, 3L]).MoveToOuterDisposeScope();
    }

    private static Sequential MakeLayer(bool bottleneck, ref int inPlanes, int planes, int blocks, int stride, int batchNormSplits)
    {
        var layer = nn.Sequential();
        for (int i = 0; i < blocks; i++)
        {
            int s = i == 0 ? stride : 1;
            if (bottleneck)
            {
                layer.append(new Bottleneck(inPlanes, planes, s, batchNormSplits));
                inPlanes = planes * Bottleneck.Expansion;
            }
            else
            {
                layer.append(new BasicBlock(inPlanes, planes, s, batchNormSplits));
                inPlanes = planes * BasicBlock.Expansion;
            }
        }
        return layer;
    }

    private static int[] BlocksPerStage(int depth) => depth switch
    {
        18 => [2, 2, 2, 2],
        34 => [3, 4, 6, 3],
        50 => [3, 4, 6, 3],
        _ => throw new ArgumentException($"ResNet depth {depth} is not supported: expected 18, 34 or 50.", nameof(depth)),
    };

    private static string NameOf(int depth, int batchNormSplits)
    {
        BlocksPerStage(depth);
        if (batchNormSplits < 1)
            throw new ArgumentOutOfRangeException(nameof(batchNormSplits), batchNormSplits, "The number of BatchNorm splits must be at least 1.");
        return $"ResNet{depth}";
    }
}
