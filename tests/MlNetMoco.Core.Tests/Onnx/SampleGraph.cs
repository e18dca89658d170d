using MlNetMoco.Core.Onnx;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Tests.Onnx;

/// <summary>
/// A small ResNet-like graph exercising every builder operator, with random parameters, plus the same computation
/// in TorchSharp functional ops as the reference:
/// flat [N, C·H·W] in [0, 255] → Mul 1/255 → Reshape N×C×H×W → Sub mean / Div std → Conv (dilated, bias) → BN → Relu
/// → MaxPool 3/2/1 → [Conv 3×3 stride 2 group 2 | Conv 1×1 stride 2] → Add → Relu → GlobalAveragePool → Flatten → Gemm.
/// </summary>
internal sealed class SampleGraph : IDisposable
{
    public const int C = 3, H = 8, W = 10, Width = 8, Features = 16, Classes = 5;
    public const string InputName = "pixels", OutputName = "logits";
    public const float Eps = 1e-5f;

    private readonly Tensor _mean, _std, _w1, _b1, _gamma, _beta, _runMean, _runVar, _w2, _w3, _b3, _wfc, _bfc;

    public SampleGraph(ulong seed)
    {
        using var g = new Generator(seed);
        _mean = torch.rand(new long[] { C }, generator: g) * 0.5 + 0.25;
        _std = torch.rand(new long[] { C }, generator: g) * 0.2 + 0.2;
        _w1 = torch.randn(new long[] { Width, C, 3, 3 }, generator: g) * 0.3;
        _b1 = torch.randn(new long[] { Width }, generator: g) * 0.1;
        _gamma = torch.rand(new long[] { Width }, generator: g) + 0.5;
        _beta = torch.randn(new long[] { Width }, generator: g) * 0.1;
        _runMean = torch.randn(new long[] { Width }, generator: g) * 0.1;
        _runVar = torch.rand(new long[] { Width }, generator: g) + 0.5;
        _w2 = torch.randn(new long[] { Features, Width / 2, 3, 3 }, generator: g) * 0.2;
        _w3 = torch.randn(new long[] { Features, Width, 1, 1 }, generator: g) * 0.3;
        _b3 = torch.randn(new long[] { Features }, generator: g) * 0.1;
        _wfc = torch.randn(new long[] { Classes, Features }, generator: g) * 0.3;
        _bfc = torch.randn(new long[] { Classes }, generator: g) * 0.1;
    }

    public OnnxGraphBuilder Build()
    {
        var b = new OnnxGraphBuilder("sample");
        string x = b.AddInput(InputName, C * H * W);
        x = b.Mul(x, b.AddInitializer("scale", new[] { 1f / 255f }, 1));
        x = b.Reshape(x, new long[] { 0, C, H, W }); // 0 copies the symbolic batch (shape inference keeps "N")
        x = b.Sub(x, b.AddInitializer("norm.mean", _mean.reshape(1, C, 1, 1)));
        x = b.Div(x, b.AddInitializer("norm.std", _std.reshape(1, C, 1, 1)));
        x = b.Conv(x, b.AddInitializer("conv1.weight", _w1), b.AddInitializer("conv1.bias", _b1),
            strides: [1, 1], pads: OnnxGraphBuilder.SymmetricPads(2, 2), dilations: [2, 2]);
        x = b.BatchNormalization(x, b.AddInitializer("bn1.weight", _gamma), b.AddInitializer("bn1.bias", _beta),
            b.AddInitializer("bn1.running_mean", _runMean), b.AddInitializer("bn1.running_var", _runVar), Eps);
        x = b.Relu(x);
        string p = b.MaxPool(x, [3, 3], strides: [2, 2], pads: OnnxGraphBuilder.SymmetricPads(1, 1));
        string main = b.Conv(p, b.AddInitializer("conv2.weight", _w2), null, strides: [2, 2], pads: OnnxGraphBuilder.SymmetricPads(1, 1), group: 2);
        string shortcut = b.Conv(p, b.AddInitializer("downsample.weight", _w3), b.AddInitializer("downsample.bias", _b3), strides: [2, 2]);
        x = b.Relu(b.Add(main, shortcut));
        x = b.Flatten(b.GlobalAveragePool(x), axis: 1);
        x = b.Gemm(x, b.AddInitializer("fc.weight", _wfc), b.AddInitializer("fc.bias", _bfc), output: OutputName);
        b.AddOutput(x, Classes);
        return b;
    }

    /// <summary>The same computation in TorchSharp (eval-mode BN); input is the flat [N, C·H·W] batch.</summary>
    public float[] Reference(float[] pixels, int batch)
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var x = torch.tensor(pixels, new long[] { batch, C * H * W }) * (1f / 255f);
        x = x.reshape(batch, C, H, W);
        x = (x - _mean.reshape(1, C, 1, 1)) / _std.reshape(1, C, 1, 1);
        x = nn.functional.conv2d(x, _w1, _b1, strides: [1, 1], padding: [2, 2], dilation: [2, 2]);
        x = nn.functional.batch_norm(x, _runMean, _runVar, _gamma, _beta, training: false, eps: Eps);
        x = nn.functional.relu(x);
        var p = nn.functional.max_pool2d(x, [3, 3], strides: [2, 2], padding: [1, 1]);
        var main = nn.functional.conv2d(p, _w2, null, strides: [2, 2], padding: [1, 1], groups: 2);
        var shortcut = nn.functional.conv2d(p, _w3, _b3, strides: [2, 2]);
        x = nn.functional.relu(main + shortcut);
        x = nn.functional.adaptive_avg_pool2d(x, 1).flatten(1);
        x = nn.functional.linear(x, _wfc, _bfc);
        return x.contiguous().data<float>().ToArray();
    }

    /// <summary>Random pixel values in [0, 255).</summary>
    public static float[] RandomPixels(int batch, ulong seed)
    {
        using var g = new Generator(seed);
        using var t = torch.rand(new long[] { batch, C * H * W }, generator: g) * 255f;
        return t.data<float>().ToArray();
    }

    /// <summary>Runs the single-input, single-output model; returns the output values and shape.</summary>
    public static (float[] Values, long[] Shape) RunOrt(InferenceSession session, float[] input, long[] shape)
    {
        using var value = OrtValue.CreateTensorValueFromMemory(input, shape);
        using var runOptions = new RunOptions();
        string[] outputs = session.OutputMetadata.Keys.ToArray();
        using var results = session.Run(runOptions, [session.InputMetadata.Keys.Single()], [value], outputs);
        OrtValue result = results[0];
        return (result.GetTensorDataAsSpan<float>().ToArray(), result.GetTensorTypeAndShape().Shape);
    }

    public void Dispose()
    {
        foreach (var t in new[] { _mean, _std, _w1, _b1, _gamma, _beta, _runMean, _runVar, _w2, _w3, _b3, _wfc, _bfc }) t.Dispose();
    }
}
