using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Data;
using MlNetMoco.Core.Normalization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Tests.Backbones;

public class BackboneFactoryTests
{
    public static TheoryData<BackboneKind, bool, int> EveryKindStemAndChannelCount()
    {
        var data = new TheoryData<BackboneKind, bool, int>();
        foreach (var kind in Enum.GetValues<BackboneKind>())
            foreach (bool smallStem in new[] { false, true })
                foreach (int channels in new[] { 1, 3 })
                    data.Add(kind, smallStem, channels);
        return data;
    }

    [Theory]
    [MemberData(nameof(EveryKindStemAndChannelCount))]
    public void Features_and_output_have_the_declared_dimension(BackboneKind kind, bool smallImageStem, int inChannels)
    {
        int side = inChannels == 1 ? 28 : 32;
        var spec = new BackboneSpec(kind, inChannels, smallImageStem).ForImages(new ImageShape(inChannels, side, side)); // a ViT's sizes
        using var net = BackboneFactory.Create(spec);
        Assert.Equal(BackboneFactory.FeatureDimOf(spec), net.FeatureDim);
        Assert.Equal(inChannels, net.InChannels);
        Assert.IsType<Identity>(net.Head);

        net.eval();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = rand(2, inChannels, side, side);
        Assert.Equal(new long[] { 2, net.FeatureDim }, net.Features(x).shape);
        Assert.Equal(new long[] { 2, net.FeatureDim }, net.call(x).shape);
    }

    [Theory]
    [InlineData(BackboneKind.SmallConvNet, 256)]
    [InlineData(BackboneKind.ResNet18, 512)]
    [InlineData(BackboneKind.ResNet34, 512)]
    [InlineData(BackboneKind.ResNet50, 2048)]
    [InlineData(BackboneKind.VitTiny, 192)]
    [InlineData(BackboneKind.VitSmall, 384)]
    public void Feature_dimension_is_known_without_building(BackboneKind kind, int featureDim)
    {
        Assert.Equal(featureDim, BackboneFactory.FeatureDimOf(new BackboneSpec(kind)));
        Assert.Equal(featureDim, BackboneFactory.FeatureDimOf(new BackboneSpec(kind, 1, true, 8)));
    }

    [Fact]
    public void The_spec_options_reach_the_network()
    {
        using var resnet = Assert.IsType<ResNet>(BackboneFactory.Create(new BackboneSpec(BackboneKind.ResNet34, 1, true, 2)));
        Assert.Equal(34, resnet.Depth);
        Assert.True(resnet.SmallImageStem);
        Assert.Equal(2, resnet.BatchNormSplits);
        Assert.Equal(new long[] { 64, 1, 3, 3 }, resnet.Conv1.weight.shape);
        Assert.All(resnet.modules().OfType<BatchNorm>(), m => Assert.Equal(2, Assert.IsType<SplitBatchNorm2d>(m).NumSplits));

        using var small = Assert.IsType<SmallConvNet>(BackboneFactory.Create(new BackboneSpec(BackboneKind.SmallConvNet, 1, BatchNormSplits: 4)));
        Assert.Equal(4, small.BatchNormSplits);
        Assert.All(small.modules().OfType<BatchNorm>(), m => Assert.Equal(4, Assert.IsType<SplitBatchNorm2d>(m).NumSplits));
    }

    [Fact]
    public void The_head_is_registered_as_fc()
    {
        var head = nn.Linear(256, 16);
        using var net = BackboneFactory.Create(new BackboneSpec(BackboneKind.SmallConvNet, 1), head);
        Assert.Same(head, net.Head);
        Assert.Contains("fc.weight", net.state_dict().Keys);
        Assert.Equal("fc.bias", net.named_parameters().Last().name);
    }

    [Fact]
    public void A_null_spec_is_rejected()
    {
        Assert.Throws<ArgumentNullException>(() => BackboneFactory.Create(null!));
        Assert.Throws<ArgumentNullException>(() => BackboneFactory.FeatureDimOf(null!));
    }
}
