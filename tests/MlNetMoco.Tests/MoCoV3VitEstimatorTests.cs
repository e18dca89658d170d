using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Onnx;
using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Methods;
using MlNetMoco.Core.Optimization;
using MlNetMoco.Core.Training;
using MlNetMoco.Tests.TestSupport;

namespace MlNetMoco.Tests;

/// <summary>
/// <c>PretrainMoCo</c> with <see cref="MoCoOptions.Version"/> = V3 and <see cref="MoCoOptions.Backbone"/> = VitTiny:
/// the paper's ViT defaults where the user set nothing, the patch size, Fit, Transform and both save routes.
/// </summary>
public class MoCoV3VitEstimatorTests
{
    /// <summary>A 1×16×16 image (the synthetic 8×8 pattern, each pixel doubled).</summary>
    public sealed class Row16
    {
        [VectorType(1, 16, 16)]
        public float[] Pixels { get; set; } = Array.Empty<float>();
    }

    private static List<Row16> Rows(int count) => SyntheticImages.Rows(count).Select(r =>
    {
        var pixels = new float[16 * 16];
        for (int y = 0; y < 16; y++)
            for (int x = 0; x < 16; x++)
                pixels[y * 16 + x] = r.Pixels[y / 2 * 8 + x / 2];
        return new Row16 { Pixels = pixels };
    }).ToList();

    [Fact]
    public void A_ViT_with_V3_takes_the_papers_ViT_recipe_for_the_settings_left_alone()
    {
        var options = new MoCoOptions { Version = MoCoVersion.V3, Backbone = BackboneKind.VitTiny, Recipe = MoCoRecipe.Paper };
        var t = options.ToTrainingOptions(channels: 3);
        Assert.Equal((OptimizerKind.AdamW, MoCoV3Defaults.AdamWBaseLearningRate, MoCoV3Defaults.AdamWWeightDecay),
            (t.Optimizer.Kind, t.BaseLearningRate, t.Optimizer.WeightDecay));
        Assert.Equal(MoCoV3Defaults.TemperatureViT, ((MoCoV3MethodOptions)t.Method).Temperature);
        Assert.Equal(Math.Min(MoCoV3Defaults.WarmupEpochsViT, t.Epochs / 10), t.WarmupEpochs);
        Assert.Equal((BackboneKind.VitTiny, 0), (t.Backbone.Kind, t.Backbone.PatchSize)); // automatic until Fit sees the images

        // Values the user assigns win, the MoCo defaults included.
        options.WeightDecay = MoCoDefaults.WeightDecay;
        options.WarmupEpochs = 0;
        options.Temperature = 0.5;
        options.PatchSize = 8;
        t = options.ToTrainingOptions(channels: 3);
        Assert.Equal((MoCoDefaults.WeightDecay, 0, 0.5, 8), (t.Optimizer.WeightDecay, t.WarmupEpochs, ((MoCoV3MethodOptions)t.Method).Temperature, t.Backbone.PatchSize));
        options.Optimizer = OptimizerKind.Lars;
        Assert.Equal(MoCoV3Defaults.LarsBaseLearningRate, options.ToTrainingOptions(channels: 3).BaseLearningRate);

        // ResNets and v2 keep their defaults.
        var resnet = new MoCoOptions { Version = MoCoVersion.V3, Backbone = BackboneKind.ResNet18 }.ToTrainingOptions(3);
        Assert.Equal((OptimizerKind.Lars, MoCoDefaults.WeightDecay, 0, MoCoV3Defaults.Temperature),
            (resnet.Optimizer.Kind, resnet.Optimizer.WeightDecay, resnet.WarmupEpochs, ((MoCoV3MethodOptions)resnet.Method).Temperature));
        var v2 = new MoCoOptions { Backbone = BackboneKind.VitTiny }.ToTrainingOptions(3);
        Assert.Equal((OptimizerKind.Sgd, MoCoDefaults.WeightDecay, 0), (v2.Optimizer.Kind, v2.Optimizer.WeightDecay, v2.WarmupEpochs));
    }

    [Fact]
    public void The_recipe_log_gives_the_patch_size_and_a_patch_size_with_a_ConvNet_is_refused_before_training()
    {
        var options = new MoCoOptions { Version = MoCoVersion.V3, Backbone = BackboneKind.VitTiny };
        var recipe = options.RecipeFor(1000, new Core.Data.ImageShape(1, 28, 28), cuda: false);
        Assert.Contains(options.DescribeChoices(recipe, new Core.Data.ImageShape(1, 28, 28)), l => l.Contains("PatchSize = 4", StringComparison.Ordinal));
        Assert.DoesNotContain(new MoCoOptions().DescribeChoices(recipe), l => l.Contains("PatchSize", StringComparison.Ordinal));

        var ml = new MLContext(seed: 1);
        var bad = TestOptions.Tiny();
        bad.PatchSize = 4; // SmallConvNet
        var rows = 0;
        var data = ml.Data.LoadFromEnumerable(Rows(16).Select(r => { rows++; return r; }));
        var e = Assert.Throws<ArgumentException>(() => ml.Transforms.PretrainMoCo(bad).Fit(data));
        Assert.Contains("MoCoOptions.PatchSize", e.Message);
        Assert.Equal(0, rows); // refused before any row was read

        var odd = TestOptions.Tiny();
        odd.Backbone = BackboneKind.VitTiny;
        odd.PatchSize = 5;
        Assert.Contains("MoCoOptions.PatchSize = 5", Assert.Throws<ArgumentException>(() => ml.Transforms.PretrainMoCo(odd).Fit(data)).Message);
    }

    [Fact]
    public void Fit_with_V3_and_ViT_Tiny_gives_192_features_that_survive_both_save_routes()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Rows(32));
        var options = TestOptions.Tiny(epochs: 1);
        options.Version = MoCoVersion.V3;
        options.Backbone = BackboneKind.VitTiny;
        var lines = new List<string>();
        options.Log = lines.Add;
        using var transformer = ml.Transforms.PretrainMoCo(options).Fit(data);
        Assert.Contains(lines, l => l.Contains("PatchSize = 4", StringComparison.Ordinal));
        Assert.Equal((BackboneKind.VitTiny, 4, 16), (transformer.Backbone.Kind, transformer.Backbone.PatchSize, transformer.Backbone.ImageSize));

        var features = transformer.Transform(data).GetColumn<float[]>("Features").ToList();
        Assert.All(features, f => Assert.Equal(192, f.Length));
        Assert.All(features, f => Assert.All(f, v => Assert.True(float.IsFinite(v))));

        SaveRoutes.AssertBothKeepFeatures(ml, transformer, data, features);
    }
}
