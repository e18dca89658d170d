using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Interop;

namespace MlNetMoco.Core.Tests.Interop;

public class ArchitectureDetectorTests
{
    private static DetectedArchitecture DetectOwn(BackboneSpec spec, int? projectionDim, bool linear = false)
    {
        using var network = InteropTestData.Network(spec, seed: 1, projectionDim, linear);
        return ArchitectureDetector.Detect(network.state_dict().Select(kv => (kv.Key, kv.Value.shape)), "test");
    }

    [Theory]
    [InlineData(BackboneKind.ResNet18, 3, false, 512)]
    [InlineData(BackboneKind.ResNet18, 3, true, 512)]
    [InlineData(BackboneKind.ResNet34, 1, false, 512)]
    [InlineData(BackboneKind.ResNet50, 3, false, 2048)]
    [InlineData(BackboneKind.SmallConvNet, 1, false, 256)]
    public void The_architecture_of_every_backbone_we_build_is_recognised(BackboneKind kind, int channels, bool smallStem, int featureDim)
    {
        var spec = new BackboneSpec(kind, channels, smallStem);
        var detected = DetectOwn(spec, projectionDim: 24);
        Assert.Equal(spec, detected.ToSpec());
        Assert.Equal(featureDim, detected.FeatureDim);
        Assert.Equal(new DetectedHead(HeadShape.Mlp, featureDim, 24, 4), detected.Head);
    }

    [Fact]
    public void Heads_are_told_apart()
    {
        var spec = new BackboneSpec(BackboneKind.SmallConvNet, 1);
        Assert.Equal(DetectedHead.None, DetectOwn(spec, projectionDim: null).Head);
        Assert.Equal(new DetectedHead(HeadShape.Linear, 0, 10, 2), DetectOwn(spec, projectionDim: 10, linear: true).Head);
        var v3 = Names(BasicResNet([2, 2, 2, 2]).Concat([("fc.0.weight", new long[] { 64, 512 }), ("fc.1.weight", [64]), ("fc.1.bias", [64]), ("fc.3.weight", [32, 64])]));
        Assert.Equal(HeadShape.Other, ArchitectureDetector.Detect(v3, "test").Head.Shape);
    }

    [Fact]
    public void Deeper_and_other_networks_are_refused_by_name()
    {
        var r101 = Bottleneck([3, 4, 23, 3]);
        Assert.Contains("ResNet-101", Assert.Throws<InvalidDataException>(() => ArchitectureDetector.Detect(r101, "The file")).Message);
        var odd = BasicResNet([2, 3, 2, 2]);
        Assert.Contains("BasicBlock stages of [2, 3, 2, 2] blocks", Assert.Throws<InvalidDataException>(() => ArchitectureDetector.Detect(odd, "The file")).Message);
        var vit = new List<(string, long[])> { ("cls_token", [1, 1, 384]), ("patch_embed.proj.weight", [384, 3, 16, 16]) };
        Assert.Contains("Vision Transformer", Assert.Throws<InvalidDataException>(() => ArchitectureDetector.Detect(vit, "The file")).Message);
        var unknown = new List<(string, long[])> { ("features.0.weight", [64, 3, 11, 11]) };
        var e = Assert.Throws<InvalidDataException>(() => ArchitectureDetector.Detect(unknown, "The file"));
        Assert.Contains("'features.0.weight'", e.Message);
        Assert.Contains("'conv1.weight'", e.Message);
        var stem5 = BasicResNet([2, 2, 2, 2]).Select(t => t.Item1 == "conv1.weight" ? (t.Item1, new long[] { 64, 3, 5, 5 }) : t).ToList();
        Assert.Contains("5×5 stem", Assert.Throws<InvalidDataException>(() => ArchitectureDetector.Detect(stem5, "The file")).Message);
        var wide = Bottleneck([3, 4, 6, 3]).Select(t => t.Item1 == "layer1.0.conv1.weight" ? (t.Item1, new long[] { 128, 64, 1, 1 }) : t).ToList();
        Assert.Contains("wide ResNets", Assert.Throws<InvalidDataException>(() => ArchitectureDetector.Detect(wide, "The file")).Message);
    }

    private static List<(string, long[])> Names(IEnumerable<(string, long[])> items) => items.ToList();

    private static List<(string, long[])> BasicResNet(int[] blocks) => Stages(blocks, "conv2");

    private static List<(string, long[])> Bottleneck(int[] blocks) => Stages(blocks, "conv3");

    private static List<(string, long[])> Stages(int[] blocks, string lastConv)
    {
        var list = new List<(string, long[])> { ("conv1.weight", [64, 3, 7, 7]) };
        for (int s = 0; s < 4; s++)
            for (int i = 0; i < blocks[s]; i++)
            {
                list.Add(($"layer{s + 1}.{i}.conv1.weight", [64, 64, 1, 1]));
                list.Add(($"layer{s + 1}.{i}.{lastConv}.weight", [64, 64, 1, 1]));
            }
        return list;
    }
}
