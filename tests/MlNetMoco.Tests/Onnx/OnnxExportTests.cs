using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using MlNetMoco.Tests.TestSupport;

namespace MlNetMoco.Tests.Onnx;

/// <summary>The raw ONNX file of <see cref="MoCoTransformer.ExportOnnx(string, bool)"/>, scored in batches with ONNX Runtime.</summary>
[Collection(FittedCollection.Name)]
public class OnnxExportTests(FittedTransformerFixture fixture)
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_batch_scored_by_ONNX_Runtime_gives_the_Features_and_Projection_columns(bool foldBatchNorm)
    {
        var transformer = fixture.Transformer;
        using var stream = new MemoryStream();
        transformer.ExportOnnx(stream, foldBatchNorm);

        var rows = fixture.Rows.Take(7).ToList();
        var scored = transformer.Transform(fixture.MLContext.Data.LoadFromEnumerable(rows));
        var expectedFeatures = scored.GetColumn<float[]>("Features").SelectMany(v => v).ToArray();
        var expectedProjections = scored.GetColumn<float[]>("Projection").SelectMany(v => v).ToArray();

        using var session = new InferenceSession(stream.ToArray());
        var input = new DenseTensor<float>(rows.SelectMany(r => r.Pixels).ToArray(), new[] { rows.Count, SyntheticImages.Size });
        using var results = session.Run(new[] { NamedOnnxValue.CreateFromTensor("Pixels", input) });
        var features = results.Single(r => r.Name == "Features").AsTensor<float>();
        var projections = results.Single(r => r.Name == "Projection").AsTensor<float>();

        Assert.Equal(new[] { rows.Count, transformer.FeatureDimension }, features.Dimensions.ToArray());
        Assert.Equal(new[] { rows.Count, transformer.ProjectionDimension }, projections.Dimensions.ToArray());
        var standardization = transformer.Encoder.FeatureStandardization; // compared in raw units (RawFeatures)
        float featureDiff = MaxAbsDiff(RawFeatures.Of(expectedFeatures, standardization), RawFeatures.Of(features.ToArray(), standardization));
        Assert.True(featureDiff <= 1e-4f, $"features: max |Δ| = {featureDiff} in raw units");
        Assert.True(MaxAbsDiff(expectedProjections, projections.ToArray()) <= 1e-4f);
    }

    [Fact]
    public void The_file_and_the_stream_hold_the_same_model_with_its_metadata()
    {
        using var dir = new TempDirectory();
        string path = dir.File("encoder.onnx");
        File.WriteAllText(path, "an older file, replaced");
        fixture.Transformer.ExportOnnx(path);
        using var stream = new MemoryStream();
        fixture.Transformer.ExportOnnx(stream);

        Assert.Equal(stream.ToArray(), File.ReadAllBytes(path));
        Assert.Equal(new[] { "encoder.onnx" }, Directory.GetFiles(dir.Path).Select(Path.GetFileName));
        using var session = new InferenceSession(path);
        Assert.Equal(new[] { -1, SyntheticImages.Size }, session.InputMetadata["Pixels"].Dimensions);
        Assert.Equal(new[] { -1, fixture.Transformer.FeatureDimension }, session.OutputMetadata["Features"].Dimensions);
        var meta = session.ModelMetadata;
        Assert.Equal("MlNetMoco", meta.ProducerName);
        Assert.Equal("1,8,8", meta.CustomMetadataMap["mlnetmoco.input_shape"]);
        Assert.Equal("255", meta.CustomMetadataMap["mlnetmoco.input_scale"]);
        Assert.Equal("256", meta.CustomMetadataMap["mlnetmoco.feature_dim"]);
        Assert.Equal("true", meta.CustomMetadataMap["mlnetmoco.batchnorm_folded"]);
        Assert.True(meta.CustomMetadataMap.ContainsKey("mlnetmoco.mean"));
        Assert.True(meta.CustomMetadataMap.ContainsKey("mlnetmoco.std"));
        Assert.Contains("\"Epochs\"", meta.CustomMetadataMap["mlnetmoco.pretrainOptions"], StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void A_disposed_transformer_does_not_export()
    {
        var transformer = fixture.Copy();
        transformer.Dispose();
        Assert.Throws<ObjectDisposedException>(() => transformer.ExportOnnx(new MemoryStream()));
    }

    private static float MaxAbsDiff(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        return a.Zip(b, (x, y) => Math.Abs(x - y)).Max();
    }
}
