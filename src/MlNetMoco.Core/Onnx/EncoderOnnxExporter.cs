using System.Globalization;
using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Inference;

namespace MlNetMoco.Core.Onnx;

/// <summary>How <see cref="EncoderOnnxExporter"/> names and shapes the exported graph.</summary>
public sealed record EncoderOnnxOptions
{
    /// <summary>Name of the input: a flat [N, C·H·W] float vector per row (the ML.NET pixel column). Default "Pixels".</summary>
    public string InputName { get; init; } = "Pixels";

    /// <summary>Name of the output holding the pooled features [N, FeatureDim]. Default "Features".</summary>
    public string FeaturesName { get; init; } = "Features";

    /// <summary>Name of a second output with the projection head's output [N, ProjectionDim]; null leaves it out.</summary>
    public string? ProjectionName { get; init; }

    /// <summary>The range of the input values: they are divided by this before normalisation. Default 255 (ExtractPixels).</summary>
    public float InputScale { get; init; } = 255f;

    /// <summary>Fold each BatchNorm into the preceding convolution (default) or emit BatchNormalization nodes.</summary>
    public bool FoldBatchNorm { get; init; } = true;

    /// <summary>
    /// One row per run: input [C·H·W] and outputs [FeatureDim] without a batch dimension, the form ML.NET's
    /// OnnxTransformer maps to exactly the <c>Vector&lt;Single, D&gt;</c> columns of the MoCo transformer. Default false:
    /// a symbolic batch dimension "N" for ONNX Runtime users.
    /// </summary>
    public bool SingleRow { get; init; }
}

/// <summary>
/// Writes a <see cref="TrainedEncoder"/> as an ONNX model (IR 8, opset 17) that consumes exactly the pixel column
/// the ML.NET transformer consumes and emits exactly its Features column: Reshape to N×C×H×W, scale and per-channel
/// normalisation folded into one Mul and one Add, then the backbone in inference form and global average pooling,
/// then, when the encoder has a <see cref="FeatureStandardization"/>, one Sub and one Div per feature dimension.
/// The backbone itself is written by <see cref="BackboneOnnxExporter"/> (ResNet-18/34/50 with both stems and
/// SmallConvNet; one writer per architecture, so a ViT is one more writer there), the head by <see cref="HeadOnnxWriter"/>
/// from its blocks (BatchNorm1d folded into the linear layer before it).
/// </summary>
public static class EncoderOnnxExporter
{
    /// <summary>Exports <paramref name="encoder"/> and returns the model bytes.</summary>
    /// <exception cref="NotSupportedException">The backbone has no exporter yet.</exception>
    public static byte[] Export(TrainedEncoder encoder, EncoderOnnxOptions? options = null)
    {
        options ??= new EncoderOnnxOptions();
        var shape = encoder.InputShape;
        var norm = encoder.Normalization;
        var g = new OnnxGraphBuilder("mlnetmoco_encoder");
        var network = encoder.Network;
        var standardization = encoder.FeatureStandardization;
        string? featuresOutput = options.SingleRow ? null : options.FeaturesName;
        string pooled = WriteFeatures(g, encoder, options.InputName, options.InputScale, options.FoldBatchNorm, options.SingleRow,
            standardization is null ? featuresOutput : null);
        string features = pooled;
        if (standardization is not null)
        {
            // Sub and Div, the operations TrainedEncoder.Extract runs, so both give the same rounding.
            features = g.Sub(pooled, g.AddInitializer("feature_mean", standardization.Mean, 1, standardization.Dim));
            features = g.Div(features, g.AddInitializer("feature_std", standardization.Std, 1, standardization.Dim), featuresOutput);
        }
        AddOutput(g, features, options.FeaturesName, encoder.FeatureDim, options.SingleRow);
        if (options.ProjectionName is { } projectionName)
        {
            string projection = HeadOnnxWriter.Write(g, encoder.Description.Head, network.Head, pooled, options.SingleRow ? null : projectionName);
            AddOutput(g, projection, projectionName, encoder.ProjectionDim, options.SingleRow);
        }

        var writer = new OnnxModelWriter { DocString = "MlNetMoco encoder: pixels → pooled features." };
        writer.Metadata["mlnetmoco.backbone"] = encoder.Backbone.Kind.ToString();
        writer.Metadata["mlnetmoco.input_shape"] = $"{shape.Channels},{shape.Height},{shape.Width}";
        writer.Metadata["mlnetmoco.input_scale"] = options.InputScale.ToString(CultureInfo.InvariantCulture);
        writer.Metadata["mlnetmoco.mean"] = string.Join(",", norm.Mean.Select(v => v.ToString(CultureInfo.InvariantCulture)));
        writer.Metadata["mlnetmoco.std"] = string.Join(",", norm.Std.Select(v => v.ToString(CultureInfo.InvariantCulture)));
        writer.Metadata["mlnetmoco.feature_dim"] = encoder.FeatureDim.ToString(CultureInfo.InvariantCulture);
        writer.Metadata["mlnetmoco.small_image_stem"] = encoder.Backbone.SmallImageStem ? "true" : "false";
        if (encoder.Backbone.IsVisionTransformer)
            writer.Metadata["mlnetmoco.patch_size"] = encoder.Backbone.PatchSize.ToString(System.Globalization.CultureInfo.InvariantCulture);
        writer.Metadata["mlnetmoco.head"] = encoder.Description.Head.ToString();
        writer.Metadata["mlnetmoco.projection_dim"] = encoder.ProjectionDim.ToString(CultureInfo.InvariantCulture);
        writer.Metadata["mlnetmoco.features_standardized"] = standardization is null ? "false" : "true";
        writer.Metadata["mlnetmoco.batchnorm_folded"] = options.FoldBatchNorm ? "true" : "false";
        writer.Metadata["mlnetmoco.input"] = options.InputName;
        writer.Metadata["mlnetmoco.features"] = options.FeaturesName;
        foreach (var (key, value) in encoder.Description.Metadata) writer.Metadata["mlnetmoco." + key] = value;
        return writer.ToBytes(g.Build());
    }

    /// <summary>
    /// Writes the pixel input, the Reshape to N×C×H×W, scaling and normalisation, and the backbone up to the pooled
    /// features; returns the features value ([N, D], or [1, D] for a single row).
    /// </summary>
    internal static string WriteFeatures(OnnxGraphBuilder g, TrainedEncoder encoder, string inputName, float inputScale, bool foldBatchNorm,
        bool singleRow, string? featuresName)
    {
        var shape = encoder.InputShape;
        var norm = encoder.Normalization;
        string x = singleRow
            ? g.AddInput(inputName, Protos.TensorProto.Types.DataType.Float, Protos.TensorShapeProto.Types.Dimension.Fixed(shape.Size))
            : g.AddInput(inputName, shape.Size);
        x = g.Reshape(x, new long[] { singleRow ? 1 : 0, shape.Channels, shape.Height, shape.Width });

        // (v / scale − mean) / std = v · a + b with a = 1/(scale·std), b = −mean/std, per channel.
        var a = new float[shape.Channels];
        var b = new float[shape.Channels];
        for (int c = 0; c < shape.Channels; c++)
        {
            a[c] = 1f / (inputScale * norm.Std[c]);
            b[c] = -norm.Mean[c] / norm.Std[c];
        }
        x = g.Mul(x, g.AddInitializer("input_scale", a, 1, shape.Channels, 1, 1));
        x = g.Add(x, g.AddInitializer("input_shift", b, 1, shape.Channels, 1, 1));
        return BackboneOnnxExporter.WriteFeatures(g, encoder.Network, x, foldBatchNorm, featuresName);
    }

    /// <summary>Declares an N×dim output, or for a single row reshapes the 1×dim value to [dim] under <paramref name="name"/>.</summary>
    private static void AddOutput(OnnxGraphBuilder g, string value, string name, int dim, bool singleRow)
    {
        if (!singleRow)
        {
            g.AddOutput(value, dim);
            return;
        }
        g.AddOutput(g.Reshape(value, new long[] { dim }, output: name), Protos.TensorProto.Types.DataType.Float, Protos.TensorShapeProto.Types.Dimension.Fixed(dim));
    }
}
