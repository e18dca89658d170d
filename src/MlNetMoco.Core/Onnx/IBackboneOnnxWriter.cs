using MlNetMoco.Core.Backbones;

namespace MlNetMoco.Core.Onnx;

/// <summary>
/// Writes one backbone architecture into an ONNX graph in inference form: from an N×C×H×W image value to the pooled
/// representation N×<see cref="Backbone.FeatureDim"/>, exactly what <see cref="Backbone.Features"/> computes in
/// evaluation mode. <see cref="BackboneOnnxExporter"/> picks the first writer that accepts a network; a new
/// architecture is one more implementation added to <see cref="BackboneOnnxExporter"/>'s list (the ViT's features
/// are the class token after the final LayerNorm rather than a global average pool).
/// </summary>
internal interface IBackboneOnnxWriter
{
    /// <summary>Whether this writer knows <paramref name="network"/>'s architecture.</summary>
    bool CanWrite(Backbone network);

    /// <summary>
    /// Adds the nodes and initializers of <paramref name="network"/> (its current weights and BatchNorm running
    /// statistics) reading <paramref name="images"/> and returns the name of the N×FeatureDim features value.
    /// </summary>
    /// <param name="graph">The graph being built.</param>
    /// <param name="network">The backbone (its projection head <c>fc</c> is not written).</param>
    /// <param name="images">An already defined float value of shape N×C×H×W (normalised images).</param>
    /// <param name="foldBatchNorm">Fold every BatchNorm into the convolution before it, or emit BatchNormalization nodes.</param>
    /// <param name="output">Name of the features value, or null for a generated one.</param>
    string WriteFeatures(OnnxGraphBuilder graph, Backbone network, string images, bool foldBatchNorm, string? output);
}
