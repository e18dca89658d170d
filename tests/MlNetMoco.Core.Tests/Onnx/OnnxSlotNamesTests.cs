using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using MlNetMoco.Core.Onnx;
using MlNetMoco.Core.Onnx.Protos;

namespace MlNetMoco.Core.Tests.Onnx;

/// <summary>Slot names written as ML.NET's ONNX export writes them: valid ONNX, harmless at run time, readable back.</summary>
public class OnnxSlotNamesTests
{
    private static byte[] Model(params string[] names)
    {
        var g = new OnnxGraphBuilder("slots");
        g.AddInput("x", TensorProto.Types.DataType.Float, TensorShapeProto.Types.Dimension.Fixed(names.Length));
        g.AddOutput(g.Relu("x", output: "Score"), TensorProto.Types.DataType.Float, TensorShapeProto.Types.Dimension.Fixed(names.Length));
        OnnxSlotNames.Write(g, "Score", names);
        return new OnnxModelWriter().ToBytes(g.Build());
    }

    [Fact]
    public void The_node_holds_the_names_in_order_and_the_model_imports_onnx_ml()
    {
        var model = ModelProto.Parser.ParseFrom(Model("T-shirt", "Trouser", "Ankle boot"));
        var node = Assert.Single(model.Graph.Node, n => n.Name == "mlnet.Score.SlotNames");
        Assert.Equal("LabelEncoder", node.OpType);
        Assert.Equal(OnnxModelWriter.MlDomain, node.Domain);
        var keys = Assert.Single(node.Attribute, a => a.Name == "keys_strings");
        Assert.Equal(new[] { "T-shirt", "Trouser", "Ankle boot" }, keys.Strings.Select(b => b.ToStringUtf8()));
        Assert.Contains(model.OpsetImport, o => o.Domain == OnnxModelWriter.MlDomain && o.Version == OnnxModelWriter.MlOpsetVersion);
        // A model without such nodes imports the default domain only, as before.
        var plain = new OnnxGraphBuilder("plain");
        plain.AddInput("x", TensorProto.Types.DataType.Float, TensorShapeProto.Types.Dimension.Fixed(1));
        plain.AddOutput(plain.Relu("x", output: "y"), TensorProto.Types.DataType.Float, TensorShapeProto.Types.Dimension.Fixed(1));
        Assert.Single(ModelProto.Parser.ParseFrom(new OnnxModelWriter().ToBytes(plain.Build())).OpsetImport);
    }

    [Fact]
    public void OnnxRuntime_runs_the_model_and_the_outputs_are_unchanged()
    {
        using var session = new InferenceSession(Model("a", "b", "c"));
        var input = new DenseTensor<float>(new[] { -1f, 2f, 0.5f }, [3]);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("x", input)]);
        var score = Assert.Single(results);
        Assert.Equal("Score", score.Name);
        Assert.Equal(new[] { 0f, 2f, 0.5f }, score.AsEnumerable<float>());
    }

    [Fact]
    public void The_model_passes_the_onnx_checker()
    {
        string python = OnnxChecker.Require();
        var (exit, output) = OnnxChecker.Check(python, Model("x", "y"));
        Assert.True(exit == 0, $"onnx.checker rejected the model (exit {exit}):\n{output}");
    }

    [Fact]
    public void Empty_names_are_refused()
    {
        var g = new OnnxGraphBuilder("slots");
        Assert.Throws<ArgumentException>(() => OnnxSlotNames.Write(g, "Score", []));
    }
}
