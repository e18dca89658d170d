using MlNetMoco.Core.Onnx;
using MlNetMoco.Core.Onnx.Protos;
using Microsoft.ML.OnnxRuntime;

namespace MlNetMoco.Core.Tests.Onnx;

/// <summary>
/// Validates written models with the reference checker (Python <c>onnx.checker</c>, full check) and ONNX Runtime's
/// metadata reader. The checker tests need python3-onnx (<see cref="OnnxChecker"/>): without it they skip visibly.
/// </summary>
public class OnnxCheckerTests
{
    [Fact]
    public void Written_model_passes_the_onnx_checker_with_full_check()
    {
        string python = OnnxChecker.Require();
        using var sample = new SampleGraph(seed: 3);
        var writer = new OnnxModelWriter();
        writer.Metadata["mlnetmoco.test"] = "checker";
        string path = Path.Combine(Path.GetTempPath(), $"mlnetmoco-onnx-{Guid.NewGuid():N}.onnx");
        try
        {
            writer.WriteFile(sample.Build().Build(), path);
            var (exit, output) = OnnxChecker.CheckFile(python, path);
            Assert.True(exit == 0, $"onnx.checker rejected the model (exit {exit}):\n{output}");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void The_checker_does_reject_an_invalid_model()
    {
        // Guards against a check that passes without looking: an undefined input must be reported.
        string python = OnnxChecker.Require();

        var graph = new GraphProto { Name = "broken" };
        var type = TypeProto.TensorOf(TensorProto.Types.DataType.Float, [TensorShapeProto.Types.Dimension.Fixed(2)]);
        graph.Input.Add(new ValueInfoProto { Name = "x", Type = type });
        var relu = new NodeProto { OpType = "Relu", Name = "relu" };
        relu.Input.Add("missing");
        relu.Output.Add("y");
        graph.Node.Add(relu);
        graph.Output.Add(new ValueInfoProto { Name = "y", Type = type.Clone() });
        var (exit, output) = OnnxChecker.Check(python, new OnnxModelWriter().ToBytes(graph));
        Assert.True(exit != 0, "onnx.checker accepted a node with an undefined input");
        Assert.Contains("missing", output);
    }

    [Fact]
    public void Metadata_and_producer_round_trip_through_OnnxRuntime()
    {
        using var sample = new SampleGraph(seed: 4);
        var writer = new OnnxModelWriter { DocString = "test encoder", Domain = "org.mlnetmoco", ModelVersion = 7 };
        writer.Metadata["mlnetmoco.backbone"] = "resnet18";
        writer.Metadata["mlnetmoco.normalization"] = "mean=0.485,0.456,0.406;std=0.229,0.224,0.225";
        writer.Metadata["unicode"] = "ε → ü";

        using var session = new InferenceSession(writer.ToBytes(sample.Build().Build()));
        ModelMetadata meta = session.ModelMetadata;
        Assert.Equal("MlNetMoco", meta.ProducerName);
        Assert.Equal("test encoder", meta.Description);
        Assert.Equal("org.mlnetmoco", meta.Domain);
        Assert.Equal(7, meta.Version);
        Assert.Equal("sample", meta.GraphName);
        Assert.Equal(3, meta.CustomMetadataMap.Count);
        Assert.Equal("resnet18", meta.CustomMetadataMap["mlnetmoco.backbone"]);
        Assert.Equal("mean=0.485,0.456,0.406;std=0.229,0.224,0.225", meta.CustomMetadataMap["mlnetmoco.normalization"]);
        Assert.Equal("ε → ü", meta.CustomMetadataMap["unicode"]);
    }
}
