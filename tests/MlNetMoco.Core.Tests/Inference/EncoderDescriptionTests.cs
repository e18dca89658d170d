using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Data;
using MlNetMoco.Core.Heads;
using MlNetMoco.Core.Inference;
using MlNetMoco.Core.Methods;

namespace MlNetMoco.Core.Tests.Inference;

public class EncoderDescriptionTests
{
    [Fact]
    public void Json_round_trip_keeps_every_value()
    {
        var description = new EncoderDescription(new BackboneSpec(BackboneKind.ResNet18, 3, SmallImageStem: true, BatchNormSplits: 8),
            HeadSpec.Mlp(512, 2048, 128, layers: 3, batchNorm: true, lastBatchNorm: true, bias: false), new ImageShape(3, 32, 32), new ImageNormalization(new[] { 0.4914f, 0.4822f, 0.1f / 3 }, new[] { 0.247f, 0.243f, 0.261f }))
        {
            Metadata = new Dictionary<string, string> { ["pretrainOptions"] = "{\"Epochs\":200}", ["steps"] = "123" },
        };

        string json = description.ToJson();
        var back = EncoderDescription.FromJson(json);

        Assert.Equal(description, back);
        Assert.Equal(description.GetHashCode(), back.GetHashCode());
        Assert.Equal(description.Normalization.Mean, back.Normalization.Mean);
        Assert.Equal("{\"Epochs\":200}", back.Metadata["pretrainOptions"]);
        Assert.Contains("\"ResNet18\"", json);
        Assert.Contains("\"Type\":\"BatchNorm1d\"", json);
        Assert.Equal(128, back.ProjectionDim);
    }

    [Fact]
    public void Metadata_defaults_to_empty_and_round_trips()
    {
        var description = EncoderTestData.Description() with { Metadata = new Dictionary<string, string>() };
        Assert.Empty(new EncoderDescription(description.Backbone, description.Head, description.InputShape, description.Normalization).Metadata);
        Assert.Equal(description, EncoderDescription.FromJson(description.ToJson()));
    }

    [Fact]
    public void Equality_is_by_value_and_sees_differences()
    {
        var a = EncoderTestData.Description();
        var b = EncoderTestData.Description();
        Assert.Equal(a, b);
        Assert.NotEqual(a, b with { Head = HeadSpec.ForVersion(MoCoVersion.V2, 256, 17) });
        Assert.NotEqual(a, b with { Head = HeadSpec.Mlp(256, 256, 16, bias: false) });
        Assert.NotEqual(a, b with { Normalization = new ImageNormalization(new[] { 0.3f }, new[] { 0.21f }) });
        Assert.NotEqual(a, b with { Metadata = new Dictionary<string, string> { ["method"] = "MoCo" } });
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("null")]
    [InlineData("{}")]
    [InlineData("{\"Backbone\":{\"Kind\":\"Nope\"}}")]
    public void Invalid_json_is_invalid_data(string json) =>
        Assert.Throws<InvalidDataException>(() => EncoderDescription.FromJson(json));

    [Fact]
    public void Inconsistent_description_is_rejected()
    {
        var grayscale = EncoderTestData.Description();
        var rgbInput = grayscale with { InputShape = new ImageShape(3, 8, 8), Normalization = ImageNormalization.ImageNet };
        var ex = Assert.Throws<ArgumentException>(() => rgbInput.Validate());
        Assert.Contains("channel", ex.Message);
        Assert.Throws<InvalidDataException>(() => EncoderDescription.FromJson(rgbInput.ToJson()));
        var wrongWidth = Assert.Throws<ArgumentException>(() => (grayscale with { Head = HeadSpec.Linear(512, 16) }).Validate());
        Assert.Contains("takes 512 features but the backbone gives 256", wrongWidth.Message);
    }

    [Fact]
    public void A_ViT_description_round_trips_its_sizes_and_must_fit_its_input_shape()
    {
        var spec = new BackboneSpec(BackboneKind.VitTiny, 1, PatchSize: 4, ImageSize: 16);
        var description = new EncoderDescription(spec, HeadSpec.Linear(192, 8), new ImageShape(1, 16, 16), new ImageNormalization([0.5f], [0.25f]));
        var back = EncoderDescription.FromJson(description.ToJson());
        Assert.Equal(spec, back.Backbone);

        var e = Assert.Throws<ArgumentException>(() => (description with { InputShape = new ImageShape(1, 32, 32) }).Validate());
        Assert.Contains("ImageSize", e.Message);
        Assert.Throws<ArgumentException>(() => (description with { Backbone = spec with { PatchSize = 0 } }).Validate());
    }
}
