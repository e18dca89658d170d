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
        var unknown = new List<(string, long[])> { ("features.0.weight", [64, 3, 11, 11]) };
        var e = Assert.Throws<InvalidDataException>(() => ArchitectureDetector.Detect(unknown, "The file"));
        Assert.Contains("'features.0.weight'", e.Message);
        Assert.Contains("'conv1.weight'", e.Message);
        var stem5 = BasicResNet([2, 2, 2, 2]).Select(t => t.Item1 == "conv1.weight" ? (t.Item1, new long[] { 64, 3, 5, 5 }) : t).ToList();
        Assert.Contains("5×5 stem", Assert.Throws<InvalidDataException>(() => ArchitectureDetector.Detect(stem5, "The file")).Message);
        var wide = Bottleneck([3, 4, 6, 3]).Select(t => t.Item1 == "layer1.0.conv1.weight" ? (t.Item1, new long[] { 128, 64, 1, 1 }) : t).ToList();
        Assert.Contains("wide ResNets", Assert.Throws<InvalidDataException>(() => ArchitectureDetector.Detect(wide, "The file")).Message);
    }

    [Theory]
    [InlineData(BackboneKind.VitTiny, 3, 32, 4)]
    [InlineData(BackboneKind.VitSmall, 1, 48, 8)]
    public void Our_ViTs_are_recognised_with_their_patch_and_image_sides(BackboneKind kind, int channels, int side, int patch)
    {
        var spec = new BackboneSpec(kind, channels, PatchSize: patch, ImageSize: side);
        var detected = DetectOwn(spec, projectionDim: 24);
        Assert.Equal(spec, detected.ToSpec());
        Assert.Equal(VisionTransformer.SizeOf(kind).EmbedDim, detected.FeatureDim);
        Assert.Equal(HeadShape.Mlp, detected.Head.Shape);
    }

    [Fact]
    public void ViTs_of_other_widths_or_depths_or_without_a_position_embedding_are_refused_by_name()
    {
        Assert.Contains("width 768 (ViT-Base)", Refusal(Vit(768, 12)));
        Assert.Contains("with 6 blocks; ViT-Tiny and ViT-Small have 12", Refusal(Vit(192, 6)));
        Assert.Contains("lacks 'pos_embed'", Refusal(Vit(192, 12).Where(t => t.Item1 != "pos_embed").ToList()));
        var oddGrid = Vit(192, 12).Select(t => t.Item1 == "pos_embed" ? (t.Item1, new long[] { 1, 1 + 60, 192 }) : t).ToList();
        Assert.Contains("a square grid of patches", Refusal(oddGrid));
        var timmHead = Vit(384, 12).Concat([("head.weight", new long[] { 1000, 384 }), ("head.bias", [1000])]).ToList();
        Assert.Equal(new DetectedHead(HeadShape.Linear, 0, 1000, 2), ArchitectureDetector.Detect(timmHead, "test").Head);
    }

    private static string Refusal(List<(string, long[])> tensors) =>
        Assert.Throws<InvalidDataException>(() => ArchitectureDetector.Detect(tensors, "The file")).Message;

    private static List<(string, long[])> Vit(int width, int depth)
    {
        var list = new List<(string, long[])>
        {
            ("cls_token", [1, 1, width]), ("pos_embed", [1, 1 + 64, width]), ("patch_embed.proj.weight", [width, 3, 4, 4]), ("norm.weight", [width]),
        };
        for (int i = 0; i < depth; i++) list.Add(($"blocks.{i}.attn.qkv.weight", [3 * width, width]));
        return list;
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
