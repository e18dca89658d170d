using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Data;
using MlNetMoco.Core.Heads;
using MlNetMoco.Core.Inference;
using MlNetMoco.Core.Onnx;
using MlNetMoco.Core.Tests.Inference;
using TorchSharp;

namespace MlNetMoco.Core.Tests.Onnx;

/// <summary>Heads written from their blocks, BatchNorm1d folded into the linear layer before it (evaluation mode).</summary>
public class HeadOnnxWriterTests
{
    public static TheoryData<string> Heads => new() { "v3-projector", "v3-predictor", "batchnorm-first" };

    private static HeadSpec Head(string name) => name switch
    {
        "v3-projector" => HeadSpec.Mlp(256, 64, 16, layers: 3, batchNorm: true, lastBatchNorm: true, bias: false),
        "v3-predictor" => HeadSpec.Mlp(256, 64, 16, layers: 2, batchNorm: true, bias: true),
        _ => new HeadSpec([new BatchNorm1dLayer(256), new LinearLayer(256, 16), new ReluLayer(), new LinearLayer(16, 16), new BatchNorm1dLayer(16)]),
    };

    [Theory]
    [MemberData(nameof(Heads))]
    public void OnnxRuntime_matches_TorchSharp_projections_with_batch_norm_folded(string head)
    {
        torch.manual_seed(4);
        var shape = new ImageShape(1, 12, 12);
        var description = new EncoderDescription(new BackboneSpec(BackboneKind.SmallConvNet, 1), Head(head), shape,
            new ImageNormalization(new[] { 0.4f }, new[] { 0.3f }));
        using var encoder = TrainedEncoder.Create(description, "cpu");
        EncoderTestData.PerturbStatistics(encoder.Network, 8); // running statistics and BN affine parameters away from 0/1
        PerturbHeadBatchNorms(encoder.Network.Head);

        byte[] model = EncoderOnnxExporter.Export(encoder, new EncoderOnnxOptions { ProjectionName = "Projection" });
        const int count = 5;
        var random = new Random(3);
        var pixels = Enumerable.Range(0, count * shape.Size).Select(_ => (float)random.NextDouble()).ToArray();
        var features = new float[count * encoder.FeatureDim];
        var expected = new float[count * encoder.ProjectionDim];
        encoder.Extract(pixels, count, features, expected);

        using var session = new InferenceSession(model);
        var input = new DenseTensor<float>(pixels.Select(v => v * 255f).ToArray(), new[] { count, shape.Size });
        using var results = session.Run(new[] { NamedOnnxValue.CreateFromTensor("Pixels", input) });
        var projections = results.Single(r => r.Name == "Projection").AsEnumerable<float>().ToArray();
        float diff = EncoderTestData.MaxAbsDiff(expected, projections);
        Assert.True(diff <= 1e-4f, $"projections differ by {diff}");
        Assert.Equal(description.Head.ToString(), session.ModelMetadata.CustomMetadataMap["mlnetmoco.head"]);
    }

    [Fact]
    public void A_batch_norm_after_a_linear_layer_leaves_no_node_of_its_own()
    {
        torch.manual_seed(4);
        var head = HeadSpec.Mlp(256, 64, 16, layers: 2, batchNorm: true);
        var g = new OnnxGraphBuilder();
        string x = g.AddInput("x", 256);
        using var module = head.Build();
        module.eval();
        string y = HeadOnnxWriter.Write(g, head, module, x, "y");
        g.AddOutput(y, 16);
        var graph = g.Build();
        Assert.Equal(new[] { "Gemm", "Relu", "Gemm" }, graph.Node.Select(n => n.OpType));
        Assert.Equal(new[] { "fc.0.weight", "fc.0.bias", "fc.3.weight", "fc.3.bias" }, graph.Initializer.Select(t => t.Name));
    }

    /// <summary>Running statistics far from the defaults, so that a missing or wrong fold would show.</summary>
    private static void PerturbHeadBatchNorms(torch.nn.Module head)
    {
        var generator = new torch.Generator(21);
        using var noGrad = torch.no_grad();
        foreach (var (name, tensor) in head.state_dict())
        {
            if (tensor.dtype != torch.ScalarType.Float32) continue;
            using var noise = torch.rand(tensor.shape, generator: generator);
            if (name.EndsWith("running_var", StringComparison.Ordinal)) tensor.copy_(noise.mul(3).add_(0.2));
            else if (name.EndsWith("running_mean", StringComparison.Ordinal)) tensor.copy_(noise.sub(0.5));
            else if (tensor.ndim == 1) tensor.add_(noise.sub(0.5));
        }
    }
}
