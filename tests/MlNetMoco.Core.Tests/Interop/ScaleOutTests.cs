using MlNetMoco.Core.Data;
using MlNetMoco.Core.Interop;
using MlNetMoco.Core.Onnx;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace MlNetMoco.Core.Tests.Interop;

/// <summary>
/// docs/SCALE-OUT.md at small size: MoCo pretraining in PyTorch under DistributedDataParallel (python/main_moco_tiny.py,
/// one gloo process, main_moco.py's checkpoint layout) → import here → featurize → export ONNX → score with ONNX
/// Runtime; the features agree with PyTorch's at every stage (≤ 1e-4). Skipped when PyTorch is not installed.
/// </summary>
public class ScaleOutTests(PythonFiles files)
{
    [Fact]
    public void A_checkpoint_pretrained_under_DDP_imports_featurizes_and_scores_in_ONNX_Runtime_like_PyTorch()
    {
        string python = OptionalPython.Require();
        string folder = Path.Combine(files.Folder, "scale-out");
        Directory.CreateDirectory(folder);
        PythonFiles.RunScript(python, "main_moco_tiny.py", [folder]);
        string checkpoint = Path.Combine(folder, "checkpoint_0001.pth.tar");

        var shape = new ImageShape(3, 32, 32);
        using var encoder = PretrainedEncoder.Create(checkpoint, shape, ImageNormalization.ImageNet, "cpu");
        Assert.Contains("checkpoint_0001.pth.tar (TorchZip, encoder under 'module.encoder_q.')", encoder.Description.Metadata[PretrainedEncoder.SourceKey]);
        Assert.Equal("2", encoder.Description.Metadata["epoch"]);
        Assert.StartsWith("loaded an MLP fc head", encoder.Description.Metadata[PretrainedEncoder.HeadKey]);

        using var probe = SafeTensors.Read(Path.Combine(folder, "probe.safetensors"));
        float[] pixels = probe.Find("input")!.data<float>().ToArray();
        float[] expected = probe.Find("features")!.data<float>().ToArray();
        int count = pixels.Length / shape.Size;
        var features = new float[count * encoder.FeatureDim];
        encoder.Extract(pixels, count, features);
        TestContext.Current.TestOutputHelper?.WriteLine($"TrainedEncoder vs PyTorch: {MaxAbsDiff(features, expected):E2}");
        Assert.True(MaxAbsDiff(features, expected) <= 1e-4f, $"features differ from PyTorch's by {MaxAbsDiff(features, expected)}");

        // Scoring at scale: the exported ONNX model takes [N, C·H·W] pixels in [0, 255] and returns [N, FeatureDim].
        byte[] model = EncoderOnnxExporter.Export(encoder);
        using var session = new InferenceSession(model);
        var input = new DenseTensor<float>(pixels.Select(v => v * 255f).ToArray(), [count, shape.Size]);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("Pixels", input)]);
        float[] onnx = results.Single(r => r.Name == "Features").AsEnumerable<float>().ToArray();
        TestContext.Current.TestOutputHelper?.WriteLine($"ONNX Runtime vs PyTorch: {MaxAbsDiff(onnx, expected):E2}");
        Assert.True(MaxAbsDiff(onnx, expected) <= 1e-4f, $"ONNX Runtime's features differ from PyTorch's by {MaxAbsDiff(onnx, expected)}");
    }

    private static float MaxAbsDiff(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        float max = 0;
        for (int i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs(a[i] - b[i]));
        return max;
    }
}
