using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using MlNetMoco.Core.Data;

namespace MlNetMoco.Onnx;

/// <summary>
/// What an encoder ONNX file written by <see cref="MoCoTransformer.ExportOnnx(string, bool)"/> says about itself in
/// its <c>metadata_props</c> (keys <c>mlnetmoco.*</c>) and its graph signature, checked against each other.
/// </summary>
/// <param name="InputName">The input: float [N, C·H·W] pixels (the ML.NET pixel column's name, e.g. "Pixels").</param>
/// <param name="FeaturesName">The output holding the pooled features [N, D] (e.g. "Features").</param>
/// <param name="InputShape">C×H×W of one image.</param>
/// <param name="InputScale">Full intensity of a pixel value (the graph divides by it): 255 after ExtractPixels.</param>
/// <param name="FeatureDimension">D, the length of one feature vector.</param>
public sealed record OnnxEncoderInfo(string InputName, string FeaturesName, ImageShape InputShape, float InputScale, int FeatureDimension)
{
    /// <summary>Reads and checks the metadata of an open session.</summary>
    /// <param name="session">The session over the model.</param>
    /// <param name="source">What to call the model in messages (its path).</param>
    /// <exception cref="InvalidDataException">
    /// The model is not a batched MlNetMoco encoder: a metadata key is missing or malformed, the graph lacks the
    /// named input or output, or the shapes disagree with the metadata. The message names the key or value.
    /// </exception>
    public static OnnxEncoderInfo Read(InferenceSession session, string source)
    {
        ArgumentNullException.ThrowIfNull(session);
        var meta = session.ModelMetadata.CustomMetadataMap;
        string Key(string key) => meta.TryGetValue(key, out string? value) && !string.IsNullOrWhiteSpace(value)
            ? value
            : throw new InvalidDataException(
                $"'{source}' is not an MlNetMoco encoder: its ONNX metadata has no '{key}' (producer '{session.ModelMetadata.ProducerName}'). " +
                "Export the encoder with MoCoTransformer.ExportOnnx(path).");

        int[] dims = Key("mlnetmoco.input_shape").Split(',').Select(s => ParseInt(s, "mlnetmoco.input_shape", source)).ToArray();
        if (dims.Length != 3 || dims.Any(d => d <= 0))
            throw new InvalidDataException($"'{source}': metadata 'mlnetmoco.input_shape' is '{meta["mlnetmoco.input_shape"]}'; expected three positive numbers C,H,W.");
        var shape = new ImageShape(dims[0], dims[1], dims[2]);
        if (!float.TryParse(Key("mlnetmoco.input_scale"), NumberStyles.Float, CultureInfo.InvariantCulture, out float scale) || !(scale > 0))
            throw new InvalidDataException($"'{source}': metadata 'mlnetmoco.input_scale' is '{meta["mlnetmoco.input_scale"]}'; expected a positive number.");
        int featureDim = ParseInt(Key("mlnetmoco.feature_dim"), "mlnetmoco.feature_dim", source);
        string input = Key("mlnetmoco.input");
        string features = Key("mlnetmoco.features");

        if (!session.InputMetadata.TryGetValue(input, out NodeMetadata? inputMeta))
            throw new InvalidDataException($"'{source}': the metadata names the input '{input}', which the graph does not have (inputs: {string.Join(", ", session.InputMetadata.Keys)}).");
        if (!session.OutputMetadata.TryGetValue(features, out NodeMetadata? outputMeta))
            throw new InvalidDataException($"'{source}': the metadata names the output '{features}', which the graph does not have (outputs: {string.Join(", ", session.OutputMetadata.Keys)}).");
        if (inputMeta.Dimensions.Length != 2)
            throw new InvalidDataException(
                $"'{source}' takes input '{input}' of shape [{string.Join(", ", inputMeta.Dimensions)}], not a batch [N, {shape.Size}]: it is the " +
                "one-row model ML.NET's OnnxTransformer runs. Write a batched file with MoCoTransformer.ExportOnnx(path).");
        if (inputMeta.ElementDataType != TensorElementType.Float || inputMeta.Dimensions[1] != shape.Size)
            throw new InvalidDataException($"'{source}': input '{input}' is {inputMeta.ElementDataType} [{string.Join(", ", inputMeta.Dimensions)}]; expected Float [N, {shape.Size}] for {shape} images.");
        if (outputMeta.Dimensions.Length != 2 || outputMeta.Dimensions[1] != featureDim)
            throw new InvalidDataException($"'{source}': output '{features}' has shape [{string.Join(", ", outputMeta.Dimensions)}]; expected [N, {featureDim}] (metadata 'mlnetmoco.feature_dim').");
        return new OnnxEncoderInfo(input, features, shape, scale, featureDim);
    }

    private static int ParseInt(string text, string key, string source) =>
        int.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) && value > 0
            ? value
            : throw new InvalidDataException($"'{source}': metadata '{key}' holds '{text}'; expected a positive integer.");
}
