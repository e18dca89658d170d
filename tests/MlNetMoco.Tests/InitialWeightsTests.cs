using Microsoft.ML;
using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Data;
using MlNetMoco.Core.Heads;
using MlNetMoco.Core.Inference;
using MlNetMoco.Core.Interop;
using MlNetMoco.Tests.TestSupport;

namespace MlNetMoco.Tests;

/// <summary>MoCoOptions.InitialWeights: pretraining continues from imported weights, checked before any row is read.</summary>
public class InitialWeightsTests
{
    [Fact]
    public void Pretraining_starts_from_the_weights_of_the_file()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(SyntheticImages.Rows(32));
        using var dir = new TempDirectory();
        using var first = ml.Transforms.PretrainMoCo(TestOptions.Tiny()).Fit(data);
        string weights = dir.File("start.safetensors");
        EncoderSafeTensors.Save(first.Encoder, weights);

        var options = TestOptions.Tiny();
        options.Seed = 99; // another seed: without the file, the start would be another random network
        options.BaseLearningRate = 1e-9;
        options.InitialWeights = weights;
        var messages = new List<string>();
        options.Log = messages.Add;
        using var continued = ml.Transforms.PretrainMoCo(options).Fit(data);
        using var fresh = ml.Transforms.PretrainMoCo(new Func<MoCoOptions>(() => { var o = TestOptions.Tiny(); o.Seed = 99; o.BaseLearningRate = 1e-9; return o; })()).Fit(data);

        var start = first.Encoder.Network.state_dict()["layer1.conv.weight"];
        float fromFile = (continued.Encoder.Network.state_dict()["layer1.conv.weight"] - start).abs().max().item<float>();
        float fromScratch = (fresh.Encoder.Network.state_dict()["layer1.conv.weight"] - start).abs().max().item<float>();
        Assert.True(fromFile < 1e-5f, $"the imported weights moved by {fromFile} at a learning rate of 1e-9");
        Assert.True(fromScratch > 1e-2f, $"a random start differs from the file by only {fromScratch}");
        Assert.Contains(messages, m => m.Contains("starts from the backbone weights", StringComparison.Ordinal));
    }

    [Fact]
    public void A_file_of_another_architecture_is_refused_before_any_row_is_read()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(SyntheticImages.Rows(32));
        using var dir = new TempDirectory();
        using var small = ml.Transforms.PretrainMoCo(TestOptions.Tiny()).Fit(data);
        string weights = dir.File("small.safetensors");
        EncoderSafeTensors.Save(small.Encoder, weights);

        var options = TestOptions.Tiny();
        options.Backbone = BackboneKind.ResNet18;
        options.SmallImageStem = true;
        options.InitialWeights = weights;
        var rowsRead = 0;
        var counting = ml.Data.LoadFromEnumerable(SyntheticImages.Rows(32).Select(r => { rowsRead++; return r; }));
        var error = Assert.Throws<ArgumentException>(() => ml.Transforms.PretrainMoCo(options).Fit(counting));
        Assert.Equal(nameof(MoCoOptions.InitialWeights), error.ParamName);
        Assert.Contains("ResNet", error.Message);
        Assert.Equal(0, rowsRead);

        options.InitialWeights = dir.File("missing.pth");
        error = Assert.Throws<ArgumentException>(() => ml.Transforms.PretrainMoCo(options).Fit(data));
        Assert.Contains("missing.pth", error.Message);
    }

    [Fact]
    public void A_ViT_file_for_other_patches_is_refused_before_any_row_is_read_and_names_both()
    {
        var ml = new MLContext(seed: 1);
        using var dir = new TempDirectory();
        var spec = new BackboneSpec(BackboneKind.VitTiny, 1, PatchSize: 2, ImageSize: SyntheticImages.Side);
        var description = new EncoderDescription(spec, HeadSpec.Mlp(192, 192, 16), new ImageShape(1, SyntheticImages.Side, SyntheticImages.Side),
            new ImageNormalization([0.5f], [0.25f]));
        using (var encoder = TrainedEncoder.Create(description, "cpu")) EncoderSafeTensors.Save(encoder, dir.File("vit.safetensors"));

        var options = TestOptions.Tiny();
        options.Backbone = BackboneKind.VitTiny; // PatchSize 0: 4 px for these 8-px images, not the file's 2
        options.InitialWeights = dir.File("vit.safetensors");
        var rowsRead = 0;
        var counting = ml.Data.LoadFromEnumerable(SyntheticImages.Rows(32).Select(r => { rowsRead++; return r; }));
        var error = Assert.Throws<ArgumentException>(() => ml.Transforms.PretrainMoCo(options).Fit(counting));
        Assert.Equal(nameof(MoCoOptions.InitialWeights), error.ParamName);
        Assert.Contains("holds a VitTiny (8×8 images in 2×2 patches", error.Message);
        Assert.Contains("the configured backbone is a VitTiny (8×8 images in 4×4 patches", error.Message);
        Assert.Equal(0, rowsRead);
    }
}
