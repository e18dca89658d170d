using MlNetMoco.Core.Backbones;
using TorchSharp.Modules;

namespace MlNetMoco.Core.Onnx;

/// <summary>
/// ResNet-18/34/50 (<see cref="BasicBlock"/> or <see cref="Bottleneck"/> stages) with either stem: conv1–bn1–ReLU,
/// torchvision's 3×3 stride-2 max-pool when present, the four stages (each block relu(path(x) + shortcut(x))), global
/// average pooling and flatten. Initializers keep torchvision's parameter names (<c>layer2.0.downsample.weight</c>…).
/// </summary>
internal sealed class ResNetOnnxWriter : IBackboneOnnxWriter
{
    /// <inheritdoc />
    public bool CanWrite(Backbone network) => network is ResNet;

    /// <inheritdoc />
    public string WriteFeatures(OnnxGraphBuilder graph, Backbone network, string images, bool foldBatchNorm, string? output)
    {
        var net = (ResNet)network;
        string x = graph.Relu(ConvBatchNormOnnx.Write(graph, images, net.Conv1, net.Bn1, "conv1", "bn1", foldBatchNorm));
        if (net.MaxPool != null)
            x = graph.MaxPool(x, [3, 3], [2, 2], OnnxGraphBuilder.SymmetricPads(1, 1)); // torchvision's stem pool (ResNet builds exactly this one)
        for (int l = 0; l < net.Layers.Count; l++)
        {
            int index = 0;
            foreach (var block in net.Layers[l].children())
            {
                string name = $"layer{l + 1}.{index++}";
                x = block switch
                {
                    BasicBlock basic => Residual(graph, x, name, foldBatchNorm, basic.Downsample,
                        (basic.Conv1, basic.Bn1), (basic.Conv2, basic.Bn2)),
                    Bottleneck neck => Residual(graph, x, name, foldBatchNorm, neck.Downsample,
                        (neck.Conv1, neck.Bn1), (neck.Conv2, neck.Bn2), (neck.Conv3, neck.Bn3)),
                    _ => throw new NotSupportedException($"ONNX export of ResNet block {block.GetType().Name} is not implemented."),
                };
            }
        }
        return graph.Flatten(graph.GlobalAveragePool(x), output: output);
    }

    /// <summary>relu(convN∘…∘conv1(x) + shortcut(x)), with ReLU between the inner convolutions.</summary>
    private static string Residual(OnnxGraphBuilder g, string x, string name, bool fold, Sequential? downsample,
        params (Conv2d Conv, BatchNorm Bn)[] path)
    {
        string y = x;
        for (int i = 0; i < path.Length; i++)
        {
            y = ConvBatchNormOnnx.Write(g, y, path[i].Conv, path[i].Bn, $"{name}.conv{i + 1}", $"{name}.bn{i + 1}", fold);
            if (i < path.Length - 1) y = g.Relu(y);
        }
        string shortcut = x;
        if (downsample != null)
        {
            var modules = downsample.children().ToList();
            shortcut = ConvBatchNormOnnx.Write(g, x, (Conv2d)modules[0], (BatchNorm)modules[1], $"{name}.downsample.0", $"{name}.downsample.1", fold);
        }
        return g.Relu(g.Add(y, shortcut));
    }
}
