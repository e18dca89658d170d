using MlNetMoco.Core.Backbones;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Tests.Backbones;

public class BackboneTests
{
    private static void AssertClose(Tensor expected, Tensor actual, double tol = 1e-5)
    {
        Assert.Equal(expected.shape, actual.shape);
        double diff = (expected - actual).abs().max().item<float>();
        Assert.True(diff <= tol, $"max |difference| = {diff}");
    }

    public static TheoryData<BackboneKind> SmallKinds() => new() { BackboneKind.SmallConvNet, BackboneKind.ResNet18 };

    [Theory]
    [MemberData(nameof(SmallKinds))]
    public void Forward_with_the_identity_head_returns_the_features(BackboneKind kind)
    {
        using var net = BackboneFactory.Create(new BackboneSpec(kind, 3, SmallImageStem: true));
        net.eval();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = randn(3, 3, 16, 16);
        var features = net.Features(x);
        AssertClose(features, net.call(x), 0);
        Assert.DoesNotContain(net.named_parameters(), p => p.name.StartsWith("fc"));
    }

    [Theory]
    [MemberData(nameof(SmallKinds))]
    public void Forward_applies_the_head_to_the_features(BackboneKind kind)
    {
        var spec = new BackboneSpec(kind, 1, SmallImageStem: true);
        using var net = BackboneFactory.Create(spec, nn.Linear(BackboneFactory.FeatureDimOf(spec), 7));
        net.eval();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = randn(3, 1, 12, 12);
        var features = net.Features(x);
        Assert.Equal(new long[] { 3, net.FeatureDim }, features.shape);
        var output = net.call(x);
        Assert.Equal(new long[] { 3, 7 }, output.shape);
        AssertClose(net.Head.call(features), output);
    }

    [Fact]
    public void Features_are_the_global_average_of_the_last_feature_map()
    {
        using var net = ResNet.ResNet18(3, smallImageStem: true);
        net.eval();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = randn(2, 3, 16, 16);
        var y = net.Bn1.call(net.Conv1.call(x)).relu();
        foreach (var layer in net.Layers) y = layer.call(y);
        Assert.Equal(new long[] { 2, 512, 2, 2 }, y.shape);
        AssertClose(y.mean([2L, 3L]), net.Features(x));
        Assert.True(net.Features(x).ge(0).all().item<bool>()); // pooled after the final ReLU
    }

    public static TheoryData<BackboneKind, bool, int> GradientCases() => new()
    {
        { BackboneKind.SmallConvNet, false, 1 },
        { BackboneKind.SmallConvNet, false, 2 },
        { BackboneKind.ResNet18, true, 1 },
        { BackboneKind.ResNet18, false, 2 },
        { BackboneKind.ResNet50, true, 1 },
    };

    [Theory]
    [MemberData(nameof(GradientCases))]
    public void Gradients_reach_every_parameter(BackboneKind kind, bool smallImageStem, int splits)
    {
        torch.manual_seed(3);
        var spec = new BackboneSpec(kind, 3, smallImageStem, splits);
        using var net = BackboneFactory.Create(spec, nn.Sequential(nn.Linear(BackboneFactory.FeatureDimOf(spec), 32), nn.ReLU(), nn.Linear(32, 8)));
        net.train();
        using var scope = NewDisposeScope();
        int side = smallImageStem || kind == BackboneKind.SmallConvNet ? 8 : 16;
        var x = randn(4, 3, side, side);
        var loss = (net.call(x) * randn(4, 8)).sum();
        loss.backward();
        foreach (var (name, p) in net.named_parameters())
        {
            Assert.True(p.grad is not null, $"{name} has no gradient");
            Assert.True(p.grad!.abs().sum().item<float>() > 0, $"{name} has a zero gradient");
            Assert.True(p.grad!.isfinite().all().item<bool>(), $"{name} has a non-finite gradient");
        }
    }

    [Fact]
    public void Training_mode_updates_the_running_statistics_and_eval_mode_does_not()
    {
        using var net = new SmallConvNet(1);
        using var scope = NewDisposeScope();
        var x = rand(4, 1, 8, 8) * 5 + 2;
        net.train();
        net.call(x);
        var buffer = net.state_dict()["layer1.bn.running_mean"];
        var afterTraining = buffer.clone();
        Assert.True(afterTraining.abs().sum().item<float>() > 0);
        Assert.Equal(1, net.state_dict()["layer1.bn.num_batches_tracked"].item<long>());
        net.eval();
        net.call(x);
        AssertClose(afterTraining, net.state_dict()["layer1.bn.running_mean"], 0);
    }

    [Fact]
    public void Inputs_with_the_wrong_shape_are_rejected_clearly()
    {
        using var net = ResNet.ResNet18(1, smallImageStem: true);
        using var rgb = randn(2, 3, 8, 8);
        using var flat = randn(2, 64);
        var e = Assert.Throws<ArgumentException>(() => net.call(rgb));
        Assert.Contains("1 input channel", e.Message);
        Assert.Contains("have 3", e.Message);
        Assert.Contains("N×C×H×W", Assert.Throws<ArgumentException>(() => net.Features(flat)).Message);
    }
}
