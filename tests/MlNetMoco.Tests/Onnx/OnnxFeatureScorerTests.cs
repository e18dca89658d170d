using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetMoco.Core.Onnx;
using MlNetMoco.Core.Onnx.Protos;
using MlNetMoco.Onnx;
using MlNetMoco.Tests.TestSupport;

namespace MlNetMoco.Tests.Onnx;

/// <summary>The batched ONNX Runtime scorer over the file of <see cref="MoCoTransformer.ExportOnnx(string, bool)"/>.</summary>
[Collection(FittedCollection.Name)]
public class OnnxFeatureScorerTests(FittedTransformerFixture fixture)
{
    [Theory]
    [InlineData(true, 5)]   // 32 rows: six full batches and a partial one
    [InlineData(false, 64)] // one partial batch, BatchNormalization nodes kept
    public void Features_match_MoCoTransformer_Transform(bool foldBatchNorm, int batchSize)
    {
        using var dir = new TempDirectory();
        string path = dir.File("encoder.onnx");
        fixture.Transformer.ExportOnnx(path, foldBatchNorm);
        float[] expected = fixture.Transformer.Transform(fixture.Data).GetColumn<float[]>("Features").SelectMany(f => f).ToArray();

        using var scorer = new OnnxFeatureScorer(path, batchSize);
        Assert.Equal(new OnnxEncoderInfo("Pixels", "Features", new(1, 8, 8), 255f, fixture.Transformer.FeatureDimension), scorer.Info);
        float[] flat = scorer.Score(fixture.Rows.SelectMany(r => r.Pixels).ToArray());
        float[] rows = scorer.ScoreRows(fixture.Rows.Select(r => r.Pixels)).SelectMany(f => f).ToArray();
        float[] column = scorer.ScoreColumn(fixture.Data).SelectMany(f => f).ToArray();

        Assert.Equal(expected.Length, flat.Length);
        var standardization = fixture.Transformer.Encoder.FeatureStandardization; // compared in raw units (RawFeatures)
        float maxDiff = RawFeatures.Of(expected, standardization).Zip(RawFeatures.Of(flat, standardization), (e, a) => MathF.Abs(e - a)).Max();
        Assert.True(maxDiff <= 1e-4f, $"max |Δ| = {maxDiff}");
        Assert.Contains(flat, v => MathF.Abs(v) > 1e-3f);
        Assert.Equal(flat, rows);
        Assert.Equal(flat, column);
    }

    [Fact]
    public void Scoring_from_several_threads_gives_the_single_thread_result()
    {
        using var stream = new MemoryStream();
        fixture.Transformer.ExportOnnx(stream);
        using var scorer = new OnnxFeatureScorer(stream.ToArray(), batchSize: 4);
        float[] pixels = fixture.Rows.SelectMany(r => r.Pixels).ToArray();
        float[] expected = scorer.Score(pixels);

        float[][] results = new float[4][];
        Parallel.For(0, results.Length, i => results[i] = scorer.Score(pixels));
        Assert.All(results, r => Assert.Equal(expected, r));
    }

    [Fact]
    public void Wrong_input_lengths_and_columns_are_refused_with_the_expected_size()
    {
        using var stream = new MemoryStream();
        fixture.Transformer.ExportOnnx(stream);
        using var scorer = new OnnxFeatureScorer(stream.ToArray());

        var partial = Assert.Throws<ArgumentException>(() => scorer.Score(new float[65]));
        Assert.Contains("64", partial.Message);
        var output = Assert.Throws<ArgumentException>(() => scorer.Score(new float[128], new float[10]));
        Assert.Contains("2 row(s)", output.Message);
        var row = Assert.Throws<ArgumentException>(() => scorer.ScoreRows([new float[64], new float[63]]).ToList());
        Assert.Contains("Row 1 holds 63", row.Message);

        var missing = Assert.Throws<ArgumentOutOfRangeException>(() => scorer.ScoreColumn(fixture.Data, "Image"));
        Assert.Contains("'Image' was not found", missing.Message);
        var wrongType = Assert.Throws<ArgumentOutOfRangeException>(() => scorer.ScoreColumn(fixture.Data, "Label"));
        Assert.Contains("Vector<Single, 64>", wrongType.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new OnnxFeatureScorer(stream.ToArray(), batchSize: 0));
    }

    [Fact]
    public void Files_that_are_not_batched_MlNetMoco_encoders_are_refused_naming_the_reason()
    {
        using var dir = new TempDirectory();
        Assert.Throws<FileNotFoundException>(() => new OnnxFeatureScorer(dir.File("none.onnx")));

        File.WriteAllText(dir.File("text.onnx"), "not a model");
        var garbage = Assert.Throws<InvalidDataException>(() => new OnnxFeatureScorer(dir.File("text.onnx")));
        Assert.Contains("not an ONNX model", garbage.Message);

        var foreign = Assert.Throws<InvalidDataException>(() => new OnnxFeatureScorer(ReluModel(batched: true, withMetadata: false)));
        Assert.Contains("'mlnetmoco.input_shape'", foreign.Message);

        var oneRow = Assert.Throws<InvalidDataException>(() => new OnnxFeatureScorer(ReluModel(batched: false, withMetadata: true)));
        Assert.Contains("one-row model", oneRow.Message);
    }

    [Fact]
    public void A_disposed_scorer_does_not_score()
    {
        using var stream = new MemoryStream();
        fixture.Transformer.ExportOnnx(stream);
        var scorer = new OnnxFeatureScorer(stream.ToArray());
        scorer.Dispose();
        scorer.Dispose(); // twice is fine
        Assert.Throws<ObjectDisposedException>(() => scorer.Score(new float[64]));
    }

    /// <summary>Pixels [N, 64] (or [64]) → Relu → "Features", optionally with the metadata of an MlNetMoco encoder.</summary>
    private static byte[] ReluModel(bool batched, bool withMetadata)
    {
        var g = new OnnxGraphBuilder();
        var fixedDim = TensorShapeProto.Types.Dimension.Fixed(64);
        string x = batched ? g.AddInput("Pixels", 64) : g.AddInput("Pixels", TensorProto.Types.DataType.Float, fixedDim);
        string y = g.Relu(x, output: "Features");
        if (batched) g.AddOutput(y, 64);
        else g.AddOutput(y, TensorProto.Types.DataType.Float, fixedDim);
        var writer = new OnnxModelWriter();
        if (withMetadata)
        {
            writer.Metadata["mlnetmoco.input_shape"] = "1,8,8";
            writer.Metadata["mlnetmoco.input_scale"] = "255";
            writer.Metadata["mlnetmoco.feature_dim"] = "64";
            writer.Metadata["mlnetmoco.input"] = "Pixels";
            writer.Metadata["mlnetmoco.features"] = "Features";
        }
        return writer.ToBytes(g.Build());
    }
}
