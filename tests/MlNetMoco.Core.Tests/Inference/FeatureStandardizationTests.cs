using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using MlNetMoco.Core.Data;
using MlNetMoco.Core.Inference;
using MlNetMoco.Core.Onnx;
using static MlNetMoco.Core.Tests.Inference.EncoderTestData;

namespace MlNetMoco.Core.Tests.Inference;

/// <summary><see cref="FeatureStandardization"/>: measured on images, applied by the encoder, its file and its ONNX graph.</summary>
public class FeatureStandardizationTests
{
    private const int Count = 40;

    /// <summary>The images in a data set (which keeps one byte per value), and the pixels it hands out.</summary>
    private static (InMemoryImageDataset Data, float[] Pixels) Dataset(int count)
    {
        var given = Images(count);
        var data = new InMemoryImageDataset(Shape, count);
        for (int i = 0; i < count; i++) data.Add(given.AsSpan(i * Shape.Size, Shape.Size));
        var pixels = new float[given.Length];
        data.CopyImages(Enumerable.Range(0, count).ToArray(), pixels);
        return (data, pixels);
    }

    [Fact]
    public void Standardised_features_have_zero_mean_and_unit_variance_on_the_images_they_were_measured_on()
    {
        using var encoder = Encoder();
        var (data, pixels) = Dataset(Count);
        var statistics = FeatureStandardization.Compute(encoder, data, batchSize: 7);
        using var standardised = encoder.WithFeatureStandardization(statistics);
        var (features, _) = Extract(standardised, pixels);

        int dim = standardised.FeatureDim, live = 0;
        for (int d = 0; d < dim; d++)
        {
            double mean = 0, squares = 0;
            for (int r = 0; r < Count; r++) mean += features[r * dim + d];
            mean /= Count;
            for (int r = 0; r < Count; r++) squares += Math.Pow(features[r * dim + d] - mean, 2);
            double std = Math.Sqrt(squares / Count);
            double tolerance = 1e-4 + 1e-6 * Math.Abs(statistics.Mean[d]) / statistics.Std[d]; // float32 rounding, amplified by 1/std
            Assert.True(Math.Abs(mean) < tolerance, $"dimension {d}: mean {mean} (raw mean {statistics.Mean[d]}, std {statistics.Std[d]})");
            if (statistics.Std[d] == 1f && std < 1e-6) continue; // a constant (dead) dimension stays 0
            Assert.True(Math.Abs(std - 1) < 1e-3, $"dimension {d}: std {std}");
            live++;
        }
        Assert.True(live > dim / 2, $"only {live} of {dim} dimensions vary");
    }

    [Fact]
    public void Without_standardisation_features_are_the_raw_pooled_ones_and_projections_never_change()
    {
        using var encoder = Encoder();
        var (data, pixels) = Dataset(Count);
        var (raw, rawProjections) = Extract(encoder, pixels);
        var statistics = FeatureStandardization.Compute(encoder, data);
        using var standardised = encoder.WithFeatureStandardization(statistics);
        using var plain = standardised.WithFeatureStandardization(null);
        var (features, projections) = Extract(standardised, pixels);

        Assert.Equal(raw, Extract(plain, pixels).Features);
        Assert.Equal(raw, Extract(encoder, pixels).Features); // the source encoder is unchanged
        Assert.Equal(rawProjections, projections);
        int dim = encoder.FeatureDim;
        for (int i = 0; i < raw.Length; i++)
            Assert.Equal(raw[i], features[i] * statistics.Std[i % dim] + statistics.Mean[i % dim], 4);
        Assert.NotEqual(raw, features);
    }

    [Fact]
    public void Encoder_files_keep_the_statistics_and_older_formats_load_without_them()
    {
        using var encoder = Encoder();
        var (data, pixels) = Dataset(Count);
        using var standardised = encoder.WithFeatureStandardization(FeatureStandardization.Compute(encoder, data));
        byte[] bytes = Saved(standardised);
        Assert.Equal(3, BitConverter.ToInt32(bytes, 13));
        using (var loaded = TrainedEncoder.Load(new MemoryStream(bytes), "cpu"))
        {
            Assert.Equal(standardised.Description, loaded.Description);
            Assert.Equal(Extract(standardised, pixels).Features, Extract(loaded, pixels).Features);
        }

        // A format-2 file (what MlNetMoco 0.2 wrote) has no statistics: it loads and gives the raw features.
        byte[] old = Saved(encoder);
        BitConverter.GetBytes(2).CopyTo(old, 13);
        using var oldLoaded = TrainedEncoder.Load(new MemoryStream(old), "cpu");
        Assert.Null(oldLoaded.FeatureStandardization);
        Assert.Equal(Extract(encoder, pixels).Features, Extract(oldLoaded, pixels).Features);
    }

    [Fact]
    public void The_exported_onnx_graph_standardises_the_features_and_not_the_projections()
    {
        using var encoder = Encoder();
        var (data, pixels) = Dataset(Count);
        using var standardised = encoder.WithFeatureStandardization(FeatureStandardization.Compute(encoder, data));
        var (expected, expectedProjections) = Extract(standardised, pixels);

        using var session = new InferenceSession(EncoderOnnxExporter.Export(standardised, new EncoderOnnxOptions { ProjectionName = "Projection" }));
        var input = new DenseTensor<float>(pixels.Select(v => v * 255f).ToArray(), new[] { Count, Shape.Size });
        using var results = session.Run(new[] { NamedOnnxValue.CreateFromTensor("Pixels", input) });
        var features = results.Single(r => r.Name == "Features").AsEnumerable<float>().ToArray();
        var projections = results.Single(r => r.Name == "Projection").AsEnumerable<float>().ToArray();
        // The backbone's outputs agree to 1e-4 (EncoderOnnxExporterTests); standardising scales a difference by 1/std.
        var std = standardised.FeatureStandardization!.Std;
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - features[i]) <= 1e-4f * Math.Max(1f, 1f / std[i % std.Length]),
                $"feature {i}: {expected[i]} vs {features[i]} (std {std[i % std.Length]})");
        Assert.True(MaxAbsDiff(expectedProjections, projections) <= 1e-4f, $"projections differ by {MaxAbsDiff(expectedProjections, projections)}");
        Assert.Equal("true", session.ModelMetadata.CustomMetadataMap["mlnetmoco.features_standardized"]);
    }

    [Fact]
    public void Statistics_of_the_wrong_size_or_with_a_non_positive_std_are_refused()
    {
        using var encoder = Encoder();
        int dim = encoder.FeatureDim;
        var ones = Enumerable.Repeat(1f, dim).ToArray();
        Assert.Throws<ArgumentException>(() => encoder.WithFeatureStandardization(new FeatureStandardization(new float[dim - 1], ones[..^1])));
        var zeroStd = (float[])ones.Clone();
        zeroStd[3] = 0;
        var e = Assert.Throws<ArgumentException>(() => encoder.WithFeatureStandardization(new FeatureStandardization(new float[dim], zeroStd)));
        Assert.Contains("std[3]", e.Message);
        var nanMean = new float[dim];
        nanMean[0] = float.NaN;
        Assert.Throws<ArgumentException>(() => encoder.WithFeatureStandardization(new FeatureStandardization(nanMean, ones)));
    }
}
