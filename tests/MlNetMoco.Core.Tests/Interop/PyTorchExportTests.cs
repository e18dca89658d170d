using MlNetMoco.Core.Heads;
using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Data;
using MlNetMoco.Core.Inference;
using MlNetMoco.Core.Interop;
using MlNetMoco.Core.Methods;
using MlNetMoco.Core.Tests.Inference;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Tests.Interop;

/// <summary>
/// Encoders exported as safetensors load into the matching torchvision model in PyTorch with
/// <c>load_state_dict(strict=True)</c>, and give the same features and projections on the same input (≤ 1e-4).
/// Skipped when PyTorch/torchvision are not installed.
/// </summary>
public class PyTorchExportTests(PythonFiles files)
{
    [Theory]
    [InlineData(BackboneKind.ResNet18, 3, false, MoCoVersion.V2)]
    [InlineData(BackboneKind.ResNet50, 3, false, MoCoVersion.V2)]
    [InlineData(BackboneKind.ResNet34, 1, true, MoCoVersion.V1)]
    public void An_exported_encoder_loads_strictly_into_torchvision_with_the_same_features(BackboneKind kind, int channels, bool smallStem, MoCoVersion head)
    {
        string python = OptionalPython.Require();
        var shape = new ImageShape(channels, 48, 48);
        var spec = new BackboneSpec(kind, channels, smallStem);
        var description = new EncoderDescription(spec, HeadSpec.ForVersion(head, BackboneFactory.FeatureDimOf(spec), 32), shape,
            new ImageNormalization(Enumerable.Repeat(0.5f, channels).ToArray(), Enumerable.Repeat(0.25f, channels).ToArray()));
        torch.manual_seed(41);
        using var encoder = TrainedEncoder.Create(description, "cpu");
        EncoderTestData.PerturbStatistics(encoder.Network, 41);
        string name = $"export-{kind}-{channels}-{smallStem}";
        string path = Path.Combine(files.Folder, name + ".safetensors");
        EncoderSafeTensors.Save(encoder, path);

        using var input = randn(new long[] { 3, channels, 48, 48 }, generator: new Generator(42));
        string probe = Path.Combine(files.Folder, name + ".probe");
        SafeTensors.Write(probe, [("input", input)]);
        string output = Path.Combine(files.Folder, name + ".out");
        string log = PythonFiles.RunScript(python, "load_export.py", [path, probe, output]);
        Assert.Contains("strict load: <All keys matched successfully>", log);

        using var theirs = SafeTensors.Read(output);
        using var noGrad = no_grad();
        using var features = encoder.Network.Features(input);
        using var projections = encoder.Network.Head.call(features);
        float f = InteropTestData.MaxAbsDiff(features, theirs.Find("features")!);
        float p = InteropTestData.MaxAbsDiff(projections, theirs.Find("projections")!);
        TestContext.Current.TestOutputHelper?.WriteLine($"{name}: max |features - PyTorch| = {f:E2}, max |projections - PyTorch| = {p:E2}");
        Assert.True(f <= 1e-4f, $"PyTorch's features differ by {f}");
        Assert.True(p <= 1e-4f, $"PyTorch's projections differ by {p}");
        Assert.True(features.abs().max().item<float>() > 0.01f, "features are all near zero: the comparison would prove nothing");
    }
}
