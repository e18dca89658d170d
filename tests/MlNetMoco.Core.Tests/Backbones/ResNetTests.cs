using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Normalization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Tests.Backbones;

public class ResNetTests
{
    private static readonly string[] BnStateNames = ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"];

    /// <summary>
    /// torchvision.models.resnet's naming, written out independently of the implementation:
    /// (parameters in named_parameters() order, buffers in named_buffers() order).
    /// </summary>
    private static (List<string> Parameters, List<string> Buffers) TorchvisionNames(int depth)
    {
        int[] blocks = depth == 18 ? [2, 2, 2, 2] : [3, 4, 6, 3];
        bool bottleneck = depth == 50;
        int expansion = bottleneck ? 4 : 1;
        var parameters = new List<string>();
        var buffers = new List<string>();
        void Conv(string p) => parameters.Add(p + ".weight");
        void Bn(string p)
        {
            parameters.Add(p + ".weight");
            parameters.Add(p + ".bias");
            buffers.Add(p + ".running_mean");
            buffers.Add(p + ".running_var");
            buffers.Add(p + ".num_batches_tracked");
        }

        Conv("conv1");
        Bn("bn1");
        int inPlanes = 64;
        int[] planes = [64, 128, 256, 512];
        for (int stage = 0; stage < 4; stage++)
        {
            for (int b = 0; b < blocks[stage]; b++)
            {
                string prefix = $"layer{stage + 1}.{b}";
                for (int k = 1; k <= (bottleneck ? 3 : 2); k++)
                {
                    Conv($"{prefix}.conv{k}");
                    Bn($"{prefix}.bn{k}");
                }
                if (b == 0 && (stage > 0 || inPlanes != planes[stage] * expansion))
                {
                    Conv($"{prefix}.downsample.0");
                    Bn($"{prefix}.downsample.1");
                }
                inPlanes = planes[stage] * expansion;
            }
        }
        parameters.Add("fc.weight");
        parameters.Add("fc.bias");
        return (parameters, buffers);
    }

    [Theory]
    [InlineData(18, 62, 60, 11_689_512L)]
    [InlineData(34, 110, 108, 21_797_672L)]
    [InlineData(50, 161, 159, 25_557_032L)]
    public void Names_counts_and_sizes_match_torchvision(int depth, int parameterCount, int bufferCount, long numel)
    {
        using var net = new ResNet(depth, head: nn.Linear(ResNet.FeatureDimOf(depth), 1000));
        var (expectedParameters, expectedBuffers) = TorchvisionNames(depth);
        var parameters = net.named_parameters().Select(p => p.name).ToList();
        var buffers = net.named_buffers().Select(b => b.name).ToList();

        Assert.Equal(parameterCount, expectedParameters.Count);
        Assert.Equal(bufferCount, expectedBuffers.Count);
        Assert.Equal(expectedParameters, parameters);
        Assert.Equal(expectedBuffers, buffers);
        Assert.Equal(expectedParameters.Concat(expectedBuffers).Order(StringComparer.Ordinal), net.state_dict().Keys.Order(StringComparer.Ordinal));
        // torchvision.models.resnet18/34/50(num_classes=1000) parameter counts.
        Assert.Equal(numel, net.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void Representative_torchvision_keys_have_torchvision_shapes()
    {
        using var r18 = ResNet.ResNet18(head: nn.Linear(512, 1000));
        var s18 = r18.state_dict();
        Assert.Equal(new long[] { 64, 3, 7, 7 }, s18["conv1.weight"].shape);
        Assert.Equal(new long[] { 64 }, s18["bn1.running_var"].shape);
        Assert.Equal(ScalarType.Int64, s18["bn1.num_batches_tracked"].dtype);
        Assert.Equal(new long[] { 64, 64, 3, 3 }, s18["layer1.0.conv1.weight"].shape);
        Assert.Equal(new long[] { 128, 64, 1, 1 }, s18["layer2.0.downsample.0.weight"].shape);
        Assert.Equal(new long[] { 128 }, s18["layer2.0.downsample.1.running_mean"].shape);
        Assert.Equal(new long[] { 512 }, s18["layer4.1.bn2.bias"].shape);
        Assert.Equal(new long[] { 1000, 512 }, s18["fc.weight"].shape);
        Assert.DoesNotContain("layer1.0.downsample.0.weight", s18.Keys);
        Assert.DoesNotContain("layer2.1.downsample.0.weight", s18.Keys);

        using var r50 = ResNet.ResNet50(head: nn.Linear(2048, 1000));
        var s50 = r50.state_dict();
        Assert.Equal(new long[] { 64, 64, 1, 1 }, s50["layer1.0.conv1.weight"].shape);
        Assert.Equal(new long[] { 256, 64, 1, 1 }, s50["layer1.0.downsample.0.weight"].shape);
        Assert.Equal(new long[] { 128, 128, 3, 3 }, s50["layer2.0.conv2.weight"].shape);
        Assert.Equal(new long[] { 2048, 512, 1, 1 }, s50["layer4.2.conv3.weight"].shape);
        Assert.Equal(new long[] { 1024 }, s50["layer3.5.bn3.running_mean"].shape);
        Assert.Empty(s50["layer3.5.bn3.num_batches_tracked"].shape);
        Assert.Equal(new long[] { 1000, 2048 }, s50["fc.weight"].shape);
    }

    [Theory]
    [InlineData(false, 3, new long[] { 64, 3, 7, 7 })]
    [InlineData(true, 3, new long[] { 64, 3, 3, 3 })]
    [InlineData(false, 1, new long[] { 64, 1, 7, 7 })]
    [InlineData(true, 5, new long[] { 64, 5, 3, 3 })]
    public void Stem_follows_the_options(bool smallImageStem, int inChannels, long[] conv1Shape)
    {
        using var net = ResNet.ResNet18(inChannels, smallImageStem);
        Assert.Equal(conv1Shape, net.Conv1.weight.shape);
        Assert.Equal(smallImageStem, net.MaxPool is null);
        Assert.Equal(inChannels, net.InChannels);
        // The stem's total stride: 32×32 ends at 4×4 (small stem) or 1×1 (ImageNet stem) before pooling.
        using var scope = NewDisposeScope();
        net.eval();
        var x = randn(2, inChannels, 32, 32);
        var y = net.Bn1.call(net.Conv1.call(x));
        Assert.Equal(smallImageStem ? 32 : 16, y.shape[2]);
    }

    [Fact]
    public void Weights_are_initialised_as_torchvision_and_the_head_is_left_alone()
    {
        torch.manual_seed(7);
        var head = nn.Linear(512, 10);
        using (no_grad()) head.weight.fill_(0.5f);
        using var net = ResNet.ResNet18(head: head);
        var s = net.state_dict();

        // Kaiming normal, fan-out, ReLU gain: std = sqrt(2 / (out_channels · k · k)).
        var w = s["layer3.0.conv1.weight"];
        double expectedStd = Math.Sqrt(2.0 / (256 * 3 * 3));
        Assert.InRange(w.std().item<float>(), expectedStd * 0.95, expectedStd * 1.05);
        Assert.InRange(w.mean().item<float>(), -expectedStd * 0.02, expectedStd * 0.02);
        foreach (var m in net.modules().OfType<BatchNorm>())
        {
            Assert.True(m.weight.eq(1).all().item<bool>());
            Assert.True(m.bias!.eq(0).all().item<bool>());
            Assert.True(m.running_mean!.eq(0).all().item<bool>());
            Assert.True(m.running_var!.eq(1).all().item<bool>());
        }
        Assert.True(s["fc.weight"].eq(0.5f).all().item<bool>());
    }

    [Theory]
    [InlineData(18, "bn2")]
    [InlineData(50, "bn3")]
    public void Zero_init_residual_zeroes_the_last_norm_of_every_block(int depth, string last)
    {
        using var net = new ResNet(depth, zeroInitResidual: true);
        var blockNorms = net.named_parameters().Where(p => p.name.StartsWith("layer") && p.name.EndsWith(".weight") && p.name.Contains(".bn")).ToList();
        Assert.NotEmpty(blockNorms);
        foreach (var (name, p) in blockNorms)
        {
            bool zero = name.EndsWith($".{last}.weight");
            Assert.True(p.eq(zero ? 0 : 1).all().item<bool>(), name);
        }
        Assert.True(net.Bn1.weight.eq(1).all().item<bool>());
    }

    [Fact]
    public void Split_batch_norm_everywhere_with_the_same_state_names()
    {
        using var split = ResNet.ResNet18(smallImageStem: true, batchNormSplits: 4);
        using var plain = ResNet.ResNet18(smallImageStem: true);
        var norms = split.modules().OfType<BatchNorm>().ToList();
        Assert.Equal(20, norms.Count);
        Assert.All(norms, m => Assert.Equal(4, Assert.IsType<SplitBatchNorm2d>(m).NumSplits));
        Assert.All(plain.modules().OfType<BatchNorm>(), m => Assert.Equal(1, Assert.IsType<SplitBatchNorm2d>(m).NumSplits));
        Assert.Equal(plain.state_dict().Keys.Order(StringComparer.Ordinal), split.state_dict().Keys.Order(StringComparer.Ordinal));
        plain.load_state_dict(split.state_dict());

        using var scope = NewDisposeScope();
        split.train();
        Assert.Contains("divisible", Assert.Throws<ArgumentException>(() => split.call(randn(6, 3, 8, 8))).Message);
        Assert.Equal(new long[] { 8, 512 }, split.call(randn(8, 3, 8, 8)).shape);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(101)]
    public void Unsupported_depths_are_rejected(int depth)
    {
        var e = Assert.Throws<ArgumentException>(() => new ResNet(depth));
        Assert.Contains("18, 34 or 50", e.Message);
        Assert.Throws<ArgumentException>(() => ResNet.FeatureDimOf(depth));
    }
}
