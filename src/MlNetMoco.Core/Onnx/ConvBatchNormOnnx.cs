using TorchSharp.Modules;

namespace MlNetMoco.Core.Onnx;

/// <summary>
/// A convolution followed by its BatchNorm (evaluation mode), as ONNX nodes: one Conv with the BatchNorm folded into
/// its weight and bias (<see cref="BatchNormFolding"/>), or a Conv then a BatchNormalization node with the running
/// statistics. Initializers carry the torch parameter names (<c>{convName}.weight</c>, <c>{bnName}.running_mean</c>…;
/// folded: <c>{convName}.weight</c> and <c>{convName}.bias</c>).
/// </summary>
internal static class ConvBatchNormOnnx
{
    /// <summary>Adds conv → bn reading <paramref name="input"/>; returns the output value.</summary>
    public static string Write(OnnxGraphBuilder g, string input, Conv2d conv, BatchNorm bn, string convName, string bnName, bool fold)
    {
        if (conv.padding_type is not null)
            throw new NotSupportedException($"ONNX export of '{convName}': convolutions with string padding ('{conv.padding_type}') are not implemented.");
        long[] pads = OnnxGraphBuilder.SymmetricPads(conv.padding!);
        if (fold)
        {
            var folded = BatchNormFolding.Fold(conv, bn);
            string w = g.AddInitializer(convName + ".weight", folded.Weight, conv.weight!.shape);
            string b = g.AddInitializer(convName + ".bias", folded.Bias, folded.Bias.Length);
            return g.Conv(input, w, b, conv.stride, pads, conv.groups, conv.dilation);
        }
        if (bn.running_mean is null || bn.running_var is null || bn.weight is null || bn.bias is null)
            throw new NotSupportedException($"ONNX export of '{convName}': BatchNormalization nodes need an affine BatchNorm with running statistics.");
        string weight = g.AddInitializer(convName + ".weight", conv.weight!);
        string? bias = conv.bias is null ? null : g.AddInitializer(convName + ".bias", conv.bias);
        string y = g.Conv(input, weight, bias, conv.stride, pads, conv.groups, conv.dilation);
        return g.BatchNormalization(y,
            g.AddInitializer(bnName + ".weight", bn.weight), g.AddInitializer(bnName + ".bias", bn.bias),
            g.AddInitializer(bnName + ".running_mean", bn.running_mean), g.AddInitializer(bnName + ".running_var", bn.running_var),
            (float)bn.eps);
    }
}
