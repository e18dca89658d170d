using MlNetMoco.Core.Backbones;

namespace MlNetMoco.Core.Onnx;

/// <summary>
/// Writes a <see cref="Backbone"/>'s feature extractor (everything before the projection head) into an ONNX graph in
/// inference form: N×C×H×W images → N×FeatureDim pooled features, equal to <see cref="Backbone.Features"/> in
/// evaluation mode. Supported: ResNet-18/34/50 with either stem, <see cref="SmallConvNet"/> and
/// <see cref="VisionTransformer"/> (ViT-Tiny/Small: the class token after the final LayerNorm). Each architecture has
/// its own writer; a new one is one more writer in <see cref="Writers"/>.
/// <see cref="EncoderOnnxExporter"/> adds the pixel-column input handling, the projection head and the metadata.
/// </summary>
/// <example>
/// <code>
/// var g = new OnnxGraphBuilder("trunk");
/// string images = g.AddInput("images", 3, 32, 32);                               // float[N,3,32,32], normalised
/// string features = BackboneOnnxExporter.WriteFeatures(g, network, images, output: "features");
/// g.AddOutput(features, network.FeatureDim);                                     // float[N,512]
/// byte[] onnx = new OnnxModelWriter().ToBytes(g.Build());
/// </code>
/// </example>
public static class BackboneOnnxExporter
{
    /// <summary>One writer per architecture, tried in order.</summary>
    private static readonly IBackboneOnnxWriter[] Writers =
    [
        new ResNetOnnxWriter(),
        new SmallConvNetOnnxWriter(),
        new VisionTransformerOnnxWriter(),
    ];

    /// <summary>Whether <paramref name="network"/>'s architecture can be exported.</summary>
    public static bool IsSupported(Backbone network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return Writers.Any(w => w.CanWrite(network));
    }

    /// <summary>
    /// Adds <paramref name="network"/> (its current weights and BatchNorm running statistics; training/eval mode
    /// does not matter) reading <paramref name="images"/> and returns the name of its N×FeatureDim features value.
    /// </summary>
    /// <param name="graph">The graph being built.</param>
    /// <param name="network">The backbone; its head (<c>fc</c>) is not written.</param>
    /// <param name="images">An already defined float32 value of shape N×C×H×W holding normalised images.</param>
    /// <param name="foldBatchNorm">
    /// Fold every BatchNorm into the convolution before it (default: fewer nodes and initializers) or emit
    /// BatchNormalization nodes (the torch parameters as they are). ONNX Runtime fuses Conv+BatchNormalization
    /// itself when it loads a model, so both run equally fast.
    /// </param>
    /// <param name="output">Name of the features value, or null for a generated one.</param>
    /// <exception cref="NotSupportedException">The architecture has no ONNX writer.</exception>
    public static string WriteFeatures(OnnxGraphBuilder graph, Backbone network, string images, bool foldBatchNorm = true, string? output = null)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(network);
        ArgumentException.ThrowIfNullOrWhiteSpace(images);
        var writer = Writers.FirstOrDefault(w => w.CanWrite(network))
            ?? throw new NotSupportedException($"ONNX export of {network.GetType().Name} is not implemented (supported: ResNet-18/34/50, SmallConvNet, ViT-Tiny/Small).");
        return writer.WriteFeatures(graph, network, images, foldBatchNorm, output);
    }
}
