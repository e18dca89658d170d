using System.Globalization;
using MlNetMoco.Core.Inference;
using MlNetMoco.Core.Onnx.Protos;

namespace MlNetMoco.Core.Onnx;

/// <summary>How <see cref="ClassifierOnnxExporter"/> names the exported classifier's input and outputs.</summary>
public sealed record ClassifierOnnxOptions
{
    /// <summary>Name of the input: one row's flat C·H·W float pixel vector. Default "Pixels".</summary>
    public string InputName { get; init; } = "Pixels";

    /// <summary>Name of the output holding the class probabilities (softmax of the logits), [K]. Default "Score".</summary>
    public string ScoreName { get; init; } = "Score";

    /// <summary>Name of the float [1] output holding the 0-based index of the most probable class. Default "PredictedIndex".</summary>
    public string PredictedIndexName { get; init; } = "PredictedIndex";

    /// <summary>The range of the input values: they are divided by this before normalisation. Default 255 (ExtractPixels).</summary>
    public float InputScale { get; init; } = 255f;

    /// <summary>
    /// Names of the Score slots (the classes, in slot order), written as ML.NET's ONNX export writes slot names
    /// (<see cref="OnnxSlotNames"/>), so ML.NET's OnnxTransformer annotates the Score column with them. Default null (none).
    /// </summary>
    public IReadOnlyList<string>? ScoreSlotNames { get; init; }
}

/// <summary>
/// Writes a classifier (an encoder whose head gives class logits, as <see cref="Methods.SupervisedClassifier"/>
/// trains it) as a single-row ONNX model (IR 8, opset 17): pixels → the encoder's features (as
/// <see cref="EncoderOnnxExporter"/> writes them, BatchNorm folded) → head → Softmax as the score vector, and ArgMax
/// as a one-element float vector (ML.NET 5's OnnxTransformer cannot read rank-0 outputs: its getter for them fails).
/// </summary>
public static class ClassifierOnnxExporter
{
    /// <summary>Exports <paramref name="classifier"/> and returns the model bytes.</summary>
    /// <param name="classifier">The encoder; its projection output is taken as the K class logits.</param>
    /// <param name="options">Names and input scale. Default: the defaults.</param>
    /// <exception cref="NotSupportedException">The backbone has no exporter yet.</exception>
    public static byte[] Export(TrainedEncoder classifier, ClassifierOnnxOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        options ??= new ClassifierOnnxOptions();
        int classes = classifier.ProjectionDim;
        var g = new OnnxGraphBuilder("mlnetmoco_classifier");
        string features = EncoderOnnxExporter.WriteFeatures(g, classifier, options.InputName, options.InputScale, foldBatchNorm: true,
            singleRow: true, featuresName: null);
        string logits = HeadOnnxWriter.Write(g, classifier.Description.Head, classifier.Network.Head, features, null); // [1, K]

        string softmax = g.AddNode("Softmax", [logits], [AttributeProto.Int("axis", 1)]);
        g.AddOutput(g.Reshape(softmax, new long[] { classes }, output: options.ScoreName), TensorProto.Types.DataType.Float,
            TensorShapeProto.Types.Dimension.Fixed(classes));

        if (options.ScoreSlotNames is { } names)
        {
            if (names.Count != classes)
                throw new ArgumentException($"ScoreSlotNames has {names.Count} names for a classifier of {classes} classes.", nameof(options));
            OnnxSlotNames.Write(g, options.ScoreName, names);
        }

        string index = g.AddNode("ArgMax", [logits], [AttributeProto.Int("axis", 1), AttributeProto.Int("keepdims", 0)]); // int64 [1]
        g.AddOutput(g.AddNode("Cast", [index], [AttributeProto.Int("to", (long)TensorProto.Types.DataType.Float)], options.PredictedIndexName),
            TensorProto.Types.DataType.Float, TensorShapeProto.Types.Dimension.Fixed(1));

        var writer = new OnnxModelWriter { DocString = "MlNetMoco classifier: pixels → class probabilities and predicted class index." };
        var shape = classifier.InputShape;
        writer.Metadata["mlnetmoco.backbone"] = classifier.Backbone.Kind.ToString();
        writer.Metadata["mlnetmoco.input_shape"] = $"{shape.Channels},{shape.Height},{shape.Width}";
        writer.Metadata["mlnetmoco.input_scale"] = options.InputScale.ToString(CultureInfo.InvariantCulture);
        writer.Metadata["mlnetmoco.classes"] = classes.ToString(CultureInfo.InvariantCulture);
        return writer.ToBytes(g.Build());
    }
}
