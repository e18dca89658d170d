using MlNetMoco.Core.Heads;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Onnx;

/// <summary>
/// Writes a head declared by a <see cref="HeadSpec"/> in its inference form: each <see cref="LinearLayer"/> is a Gemm
/// (initializers named as torch names them, <c>fc.weight</c> or <c>fc.{i}.weight</c>), a <see cref="ReluLayer"/> a Relu,
/// and a <see cref="BatchNorm1dLayer"/> (evaluation mode: running statistics) is folded into the Gemm before it
/// (W' = W·s, b' = (b − mean)·s + β with s = γ/√(var + ε), see <see cref="BatchNormFolding"/>), or, with no linear layer
/// before it, written as one Mul and one Add.
/// </summary>
public static class HeadOnnxWriter
{
    /// <summary>Writes <paramref name="head"/> (the module <see cref="HeadSpec.Build"/> made for <paramref name="spec"/>) applied to <paramref name="input"/>.</summary>
    /// <param name="g">The graph.</param>
    /// <param name="spec">The head's blocks.</param>
    /// <param name="head">The trained module (the backbone's <c>fc</c>).</param>
    /// <param name="input">The value holding the N×InputDim features.</param>
    /// <param name="output">Name of the last value, or null for a generated one.</param>
    /// <returns>The name of the head's output value.</returns>
    /// <exception cref="ArgumentException">The module does not have the blocks of <paramref name="spec"/>.</exception>
    public static string Write(OnnxGraphBuilder g, HeadSpec spec, nn.Module<Tensor, Tensor> head, string input, string? output)
    {
        var modules = spec.Layers.Count == 1 ? new List<nn.Module> { head } : head.children().ToList();
        if (modules.Count != spec.Layers.Count)
            throw new ArgumentException($"The head module has {modules.Count} blocks, its spec {spec.Layers.Count} ({spec}).", nameof(head));

        string y = input;
        for (int i = 0; i < spec.Layers.Count; i++)
        {
            bool foldNext = i + 1 < spec.Layers.Count && spec.Layers[i] is LinearLayer && spec.Layers[i + 1] is BatchNorm1dLayer;
            bool last = i == spec.Layers.Count - 1 || (foldNext && i + 1 == spec.Layers.Count - 1);
            string? name = last ? output : null;
            string prefix = spec.TorchName(i);
            switch (spec.Layers[i], modules[i])
            {
                case (LinearLayer, Linear linear) when foldNext:
                    var bn = modules[i + 1] as BatchNorm ?? throw Mismatch(spec, i + 1);
                    var folded = BatchNormFolding.Fold(linear.weight!, linear.bias, bn.weight, bn.bias, bn.running_mean!, bn.running_var!, bn.eps);
                    string w = g.AddInitializer(prefix + ".weight", folded.Weight, linear.weight!.shape);
                    string b = g.AddInitializer(prefix + ".bias", folded.Bias, folded.Bias.Length);
                    y = g.Gemm(y, w, b, output: name);
                    i++; // the BatchNorm1d is inside the Gemm now
                    break;
                case (LinearLayer, Linear linear):
                    string weight = g.AddInitializer(prefix + ".weight", linear.weight!);
                    string? bias = linear.bias is null ? null : g.AddInitializer(prefix + ".bias", linear.bias);
                    y = g.Gemm(y, weight, bias, output: name);
                    break;
                case (BatchNorm1dLayer, BatchNorm norm):
                    y = WriteAffine(g, prefix, norm, y, name);
                    break;
                case (ReluLayer, ReLU):
                    y = g.Relu(y, name);
                    break;
                default:
                    throw Mismatch(spec, i);
            }
        }
        return y;
    }

    /// <summary>An evaluation-mode BatchNorm1d alone: y = x·s + (β − mean·s) with s = γ/√(var + ε).</summary>
    private static string WriteAffine(OnnxGraphBuilder g, string prefix, BatchNorm norm, string x, string? output)
    {
        var mean = TorchTensorData.ToFloatArray(norm.running_mean!);
        var variance = TorchTensorData.ToFloatArray(norm.running_var!);
        var gamma = norm.weight is null ? null : TorchTensorData.ToFloatArray(norm.weight);
        var beta = norm.bias is null ? null : TorchTensorData.ToFloatArray(norm.bias);
        var scale = new float[mean.Length];
        var shift = new float[mean.Length];
        for (int c = 0; c < mean.Length; c++)
        {
            double s = (gamma?[c] ?? 1.0) / Math.Sqrt(variance[c] + norm.eps);
            scale[c] = (float)s;
            shift[c] = (float)((beta?[c] ?? 0.0) - mean[c] * s);
        }
        string scaled = g.Mul(x, g.AddInitializer(prefix + ".scale", scale, scale.Length));
        return g.Add(scaled, g.AddInitializer(prefix + ".shift", shift, shift.Length), output);
    }

    private static ArgumentException Mismatch(HeadSpec spec, int index) =>
        new($"Head block {index} of the module does not match its spec {spec.Layers[index]} (head {spec}).");
}
