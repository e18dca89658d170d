using MlNetMoco.Core.Backbones;

namespace MlNetMoco.Core.Tests.Backbones;

public class BackboneSpecTests
{
    [Fact]
    public void Defaults_are_RGB_ImageNet_stem_and_plain_batch_norm()
    {
        var spec = new BackboneSpec(BackboneKind.ResNet50);
        Assert.Equal(BackboneKind.ResNet50, spec.Kind);
        Assert.Equal(3, spec.InChannels);
        Assert.False(spec.SmallImageStem);
        Assert.Equal(1, spec.BatchNormSplits);
        Assert.Equal(new BackboneSpec(BackboneKind.ResNet50, 3, false, 1), spec);
        Assert.Equal(spec with { InChannels = 1, SmallImageStem = true, BatchNormSplits = 8 }, new BackboneSpec(BackboneKind.ResNet50, 1, true, 8));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void Fewer_than_one_input_channel_is_rejected(int channels)
    {
        var e = Assert.Throws<ArgumentException>(() => new BackboneSpec(BackboneKind.ResNet18, InChannels: channels));
        Assert.Equal("InChannels", e.ParamName);
        Assert.Contains($"InChannels = {channels}", e.Message);
        Assert.Throws<ArgumentException>(() => new BackboneSpec(BackboneKind.ResNet18) with { InChannels = channels });
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Fewer_than_one_batch_norm_split_is_rejected(int splits)
    {
        var e = Assert.Throws<ArgumentException>(() => new BackboneSpec(BackboneKind.SmallConvNet, BatchNormSplits: splits));
        Assert.Equal("BatchNormSplits", e.ParamName);
        Assert.Contains("at least 1", e.Message);
        // `with` expressions are validated too (they bypass the constructor).
        Assert.Throws<ArgumentException>(() => new BackboneSpec(BackboneKind.SmallConvNet) with { BatchNormSplits = splits });
    }

    [Fact]
    public void Undefined_kinds_are_rejected()
    {
        var e = Assert.Throws<ArgumentException>(() => new BackboneSpec((BackboneKind)42));
        Assert.Equal("Kind", e.ParamName);
        Assert.Contains("ResNet18", e.Message);
        Assert.Throws<ArgumentException>(() => new BackboneSpec(BackboneKind.ResNet18) with { Kind = (BackboneKind)(-1) });
    }

    [Fact]
    public void Kinds_keep_their_stored_numbers_and_the_ViTs_come_last()
    {
        Assert.Equal(new[] { 0, 1, 2, 3, 4, 5 }, new[] { BackboneKind.SmallConvNet, BackboneKind.ResNet18, BackboneKind.ResNet34, BackboneKind.ResNet50,
            BackboneKind.VitTiny, BackboneKind.VitSmall }.Select(k => (int)k));
    }

    [Fact]
    public void Patch_and_image_sizes_are_left_out_of_the_JSON_while_automatic_so_older_files_read_unchanged()
    {
        var options = new System.Text.Json.JsonSerializerOptions { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };
        var resnet = new BackboneSpec(BackboneKind.ResNet18, 1, true, 8);
        const string older = "{\"Kind\":\"ResNet18\",\"InChannels\":1,\"SmallImageStem\":true,\"BatchNormSplits\":8}";
        Assert.Equal(older, System.Text.Json.JsonSerializer.Serialize(resnet, options));
        Assert.Equal(resnet, System.Text.Json.JsonSerializer.Deserialize<BackboneSpec>(older, options));

        var vit = new BackboneSpec(BackboneKind.VitTiny, 3, PatchSize: 4, ImageSize: 32);
        string json = System.Text.Json.JsonSerializer.Serialize(vit, options);
        Assert.Contains("\"PatchSize\":4", json);
        Assert.Contains("\"ImageSize\":32", json);
        Assert.Equal(vit, System.Text.Json.JsonSerializer.Deserialize<BackboneSpec>(json, options));
    }
}
