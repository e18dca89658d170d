using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Onnx;
using MlNetMoco.Tests.TestSupport;

namespace MlNetMoco.Tests.Onnx;

[Collection(FittedCollection.Name)]
public class ModelSaveTests(FittedTransformerFixture fixture)
{
    private sealed class Scored
    {
        public float[] Features { get; set; } = Array.Empty<float>();
        public float[] Score { get; set; } = Array.Empty<float>();
        public uint PredictedLabel { get; set; }
    }

    private static float MaxAbsDiff(IEnumerable<float[]> a, IEnumerable<float[]> b) =>
        a.Zip(b).SelectMany(p => p.First.Zip(p.Second, (x, y) => Math.Abs(x - y))).Max();

    [Fact]
    public void A_chain_saved_with_Model_Save_reloads_with_ONNX_Runtime_and_scores_the_same()
    {
        var ml = fixture.MLContext;
        using var dir = new TempDirectory();
        using var moco = fixture.Copy();
        var features = moco.Transform(fixture.Data);
        var rest = ml.Transforms.Conversion.MapValueToKey("LabelKey", "Label")
            .Append(ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy("LabelKey", "Features"))
            .Fit(features);
        var chain = new TransformerChain<ITransformer>(moco, rest);
        string path = dir.File("model.zip");

        ml.Model.Save(chain, fixture.Data.Schema, path);
        var loaded = ml.Model.Load(path, out var inputSchema);

        Assert.NotNull(inputSchema.GetColumnOrNull("Pixels"));
        var parts = Assert.IsAssignableFrom<TransformerChain<ITransformer>>(loaded).ToList();
        Assert.IsType<OnnxTransformer>(parts[0]);
        Assert.DoesNotContain(parts, t => t is MoCoTransformer);

        var before = ml.Data.CreateEnumerable<Scored>(chain.Transform(fixture.Data), reuseRowObject: false).ToList();
        var after = ml.Data.CreateEnumerable<Scored>(loaded.Transform(fixture.Data), reuseRowObject: false).ToList();
        Assert.Equal(before.Count, after.Count);
        var standardization = moco.Encoder.FeatureStandardization; // on by default: compared in raw units (RawFeatures)
        Assert.NotNull(standardization);
        Assert.True(MaxAbsDiff(RawFeatures.Of(before.Select(r => r.Features), standardization), RawFeatures.Of(after.Select(r => r.Features), standardization)) <= 1e-4f);
        Assert.True(MaxAbsDiff(before.Select(r => r.Score), after.Select(r => r.Score)) <= 1e-4f);
        Assert.Equal(before.Select(r => r.PredictedLabel), after.Select(r => r.PredictedLabel));

        using var engine = ml.Model.CreatePredictionEngine<PixelRow, Scored>(loaded);
        var single = engine.Predict(fixture.Rows[5]);
        Assert.True(MaxAbsDiff(new[] { before[5].Score }, new[] { single.Score }) <= 1e-4f);
        Assert.Equal(before[5].PredictedLabel, single.PredictedLabel);
    }

    [Fact]
    public void The_projection_column_is_saved_too()
    {
        var ml = fixture.MLContext;
        using var dir = new TempDirectory();
        string path = dir.File("moco.zip");
        ml.Model.Save(fixture.Transformer, fixture.Data.Schema, path);
        var loaded = ml.Model.Load(path, out _);
        var projection = loaded.Transform(fixture.Data).Schema["Projection"];
        Assert.Equal(fixture.Transformer.ProjectionDimension, ((VectorDataViewType)projection.Type).Size);
        var a = fixture.Transformer.Transform(fixture.Data).GetColumn<float[]>("Projection").ToList();
        var b = loaded.Transform(fixture.Data).GetColumn<float[]>("Projection").ToList();
        Assert.True(MaxAbsDiff(a, b) <= 1e-4f);
    }

    [Fact]
    public void ExportOnnx_writes_a_model_named_after_the_columns()
    {
        using var dir = new TempDirectory();
        string path = dir.File("encoder.onnx");
        fixture.Transformer.ExportOnnx(path);
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(path);
        Assert.Equal(new[] { "Pixels" }, session.InputMetadata.Keys);
        Assert.Equal(new[] { "Features", "Projection" }, session.OutputMetadata.Keys.Order());
    }
}
