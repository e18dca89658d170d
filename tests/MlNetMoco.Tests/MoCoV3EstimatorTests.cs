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
    private static float MaxAbsDiff(IEnumerable<float[]> a, IEnumerable<float[]> b) =>
        a.Zip(b).SelectMany(p => p.First.Zip(p.Second, (x, y) => Math.Abs(x - y))).Max();

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

        // The transformer's own file.
        using var stream = new MemoryStream();
        transformer.Save(stream);
        stream.Position = 0;
        using var copy = MoCoTransformer.Load(ml, stream, "cpu");
        Assert.Equal(features, copy.Transform(data).GetColumn<float[]>("Features").ToList());

        // Model.Save: the ONNX route (backbone for the features, the projector with its BatchNorms folded).
        using var dir = new TempDirectory();
        string path = dir.File("v3.zip");
        ml.Model.Save(transformer, data.Schema, path);
        var loaded = ml.Model.Load(path, out _);
        Assert.IsType<OnnxTransformer>(loaded is TransformerChain<ITransformer> chain ? chain.First() : loaded);
        var standardization = transformer.Encoder.FeatureStandardization;
        var onnxFeatures = loaded.Transform(data).GetColumn<float[]>("Features").ToList();
        Assert.True(MaxAbsDiff(RawFeatures.Of(features, standardization), RawFeatures.Of(onnxFeatures, standardization)) <= 1e-4f);
        Assert.True(MaxAbsDiff(projections, loaded.Transform(data).GetColumn<float[]>("Projection").ToList()) <= 1e-3f);
    }
}
