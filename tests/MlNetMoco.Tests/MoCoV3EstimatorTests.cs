using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Onnx;
using MlNetMoco.Core.Augmentations;
using MlNetMoco.Core.Heads;
using MlNetMoco.Core.Methods;
using MlNetMoco.Core.Optimization;
using MlNetMoco.Core.Training;
using MlNetMoco.Tests.TestSupport;

namespace MlNetMoco.Tests;

/// <summary><c>PretrainMoCo</c> with <see cref="MoCoOptions.Version"/> = V3: MoCo v3's method, its optimizer defaults, Fit, Transform and both save routes.</summary>
public class MoCoV3EstimatorTests
{
    [Fact]
    public void Version_V3_builds_MoCo_v3_with_LARS_at_the_papers_rate()
    {
        var options = new MoCoOptions { Version = MoCoVersion.V3, Recipe = MoCoRecipe.Paper };
        var t = options.ToTrainingOptions(channels: 3);
        var m = Assert.IsType<MoCoV3MethodOptions>(t.Method);
        Assert.Equal((OptimizerKind.Lars, MoCoV3Defaults.LarsBaseLearningRate), (t.Optimizer.Kind, t.BaseLearningRate));
        Assert.Equal(LearningRateScheduleKind.CosinePerStep, t.EffectiveSchedule);
        Assert.Equal((MoCoV3Defaults.Temperature, MoCoV3Defaults.EncoderMomentum, true), (m.Temperature, m.EncoderMomentum, m.MomentumCosine));
        Assert.Equal((AugmentationPreset.MoCoV3View1, AugmentationPreset.MoCoV3View2), (m.FirstView.Preset, m.SecondView.Preset));
        Assert.Equal((0.08, 0.08), (m.FirstView.CropScaleMin, m.SecondView.CropScaleMin));

        options.Optimizer = OptimizerKind.AdamW;
        options.Temperature = 0.2;
        t = options.ToTrainingOptions(channels: 3);
        Assert.Equal((OptimizerKind.AdamW, MoCoV3Defaults.AdamWBaseLearningRate, 0.2), (t.Optimizer.Kind, t.BaseLearningRate, ((MoCoV3MethodOptions)t.Method).Temperature));
        options.BaseLearningRate = 1e-3;
        Assert.Equal(1e-3, options.ToTrainingOptions(channels: 3).BaseLearningRate);

        // v2 keeps SGD.
        Assert.Equal(OptimizerKind.Sgd, new MoCoOptions().ToTrainingOptions(3).Optimizer.Kind);
    }

    [Fact]
    public void Fit_with_V3_gives_features_that_survive_both_save_routes()
    {
        var ml = new MLContext(seed: 1);
        var rows = SyntheticImages.Rows(32);
        var data = ml.Data.LoadFromEnumerable(rows);
        var options = TestOptions.Tiny(epochs: 2);
        options.Version = MoCoVersion.V3;
        options.ProjectionColumnName = "Projection";
        var lines = new List<string>();
        options.Log = lines.Add;
        using var transformer = ml.Transforms.PretrainMoCo(options).Fit(data);
        Assert.Contains(lines, l => l.Contains("MoCo v3", StringComparison.Ordinal));
        Assert.Contains(transformer.Encoder.Description.Head.Layers, l => l is BatchNorm1dLayer { Affine: false });

        var features = transformer.Transform(data).GetColumn<float[]>("Features").ToList();
        var projections = transformer.Transform(data).GetColumn<float[]>("Projection").ToList();
        Assert.All(features, f => Assert.All(f, v => Assert.True(float.IsFinite(v))));
        Assert.Equal(options.ProjectionDim, projections[0].Length);

        // Both save routes (ONNX: backbone for the features, the projector with its BatchNorms folded).
        var loaded = SaveRoutes.AssertBothKeepFeatures(ml, transformer, data, features);
        Assert.True(SaveRoutes.MaxAbsDiff(projections, loaded.Transform(data).GetColumn<float[]>("Projection").ToList()) <= 1e-3f);
    }
}
