using MlNetMoco.Core.Backbones;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Tests.Backbones;

public class SmallConvNetTests
{
    [Fact]
    public void Four_conv_bn_layers_of_widths_32_to_256_with_stable_names()
    {
        using var net = new SmallConvNet(1, head: nn.Linear(256, 10));
        var shapes = net.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape);
        Assert.Equal(
            new[]
            {
                "layer1.conv.weight", "layer1.bn.weight", "layer1.bn.bias",
                "layer2.conv.weight", "layer2.bn.weight", "layer2.bn.bias",
                "layer3.conv.weight", "layer3.bn.weight", "layer3.bn.bias",
                "layer4.conv.weight", "layer4.bn.weight", "layer4.bn.bias",
                "fc.weight", "fc.bias",
            },
            shapes.Keys);
        Assert.Equal(new long[] { 32, 1, 3, 3 }, shapes["layer1.conv.weight"]);
        Assert.Equal(new long[] { 64, 32, 3, 3 }, shapes["layer2.conv.weight"]);
        Assert.Equal(new long[] { 128, 64, 3, 3 }, shapes["layer3.conv.weight"]);
        Assert.Equal(new long[] { 256, 128, 3, 3 }, shapes["layer4.conv.weight"]);
        Assert.Equal(12, net.named_buffers().Count());
        Assert.Equal(256, net.FeatureDim);
        Assert.Equal(SmallConvNet.OutputFeatureDim, net.FeatureDim);
    }

    [Theory]
    [InlineData(1, 28, 4)]
    [InlineData(3, 32, 4)]
    [InlineData(3, 9, 2)]
    [InlineData(2, 1, 1)]
    public void Any_image_size_is_pooled_to_256_features(int channels, int side, int finalSide)
    {
        using var net = new SmallConvNet(channels);
        net.eval();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var y = rand(2, channels, side, side);
        foreach (var layer in net.Layers) y = layer.call(y);
        Assert.Equal(new long[] { 2, 256, finalSide, finalSide }, y.shape);
        Assert.Equal(new long[] { 2, 256 }, net.Features(rand(2, channels, side, side)).shape);
    }

    [Fact]
    public void Invalid_arguments_are_rejected()
    {
        Assert.ThrowsAny<ArgumentException>(() => new SmallConvNet(0));
        Assert.ThrowsAny<ArgumentException>(() => new SmallConvNet(3, 0));
    }
}
