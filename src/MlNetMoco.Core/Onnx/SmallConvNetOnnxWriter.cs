using MlNetMoco.Core.Backbones;
using TorchSharp.Modules;

namespace MlNetMoco.Core.Onnx;

/// <summary><see cref="SmallConvNet"/>: four conv–BN–ReLU layers (<c>layer1</c>…<c>layer4</c>), global average pooling, flatten.</summary>
internal sealed class SmallConvNetOnnxWriter : IBackboneOnnxWriter
{
    /// <inheritdoc />
    public bool CanWrite(Backbone network) => network is SmallConvNet;

    /// <inheritdoc />
    public string WriteFeatures(OnnxGraphBuilder graph, Backbone network, string images, bool foldBatchNorm, string? output)
    {
        var net = (SmallConvNet)network;
        string x = images;
        for (int i = 0; i < net.Layers.Count; i++)
        {
            var modules = net.Layers[i].children().ToList();
            x = graph.Relu(ConvBatchNormOnnx.Write(graph, x, (Conv2d)modules[0], (BatchNorm)modules[1], $"layer{i + 1}.conv", $"layer{i + 1}.bn", foldBatchNorm));
        }
        return graph.Flatten(graph.GlobalAveragePool(x), output: output);
    }
}
