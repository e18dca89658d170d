using Google.Protobuf;
using MlNetMoco.Core.Onnx;
using MlNetMoco.Core.Onnx.Protos;
using Microsoft.ML.OnnxRuntime;

namespace MlNetMoco.Core.Tests.Onnx;

public class OnnxGraphBuilderTests
{
    [Fact]
    public void OnnxRuntime_matches_TorchSharp_for_batch_sizes_1_and_3()
    {
        using var sample = new SampleGraph(seed: 42);
        byte[] model = new OnnxModelWriter().ToBytes(sample.Build().Build());
        using var session = new InferenceSession(model);

        // The batch dimension is symbolic on both ends.
        Assert.Equal(new[] { "N", "" }, session.InputMetadata[SampleGraph.InputName].SymbolicDimensions);
        Assert.Equal(new[] { -1, SampleGraph.C * SampleGraph.H * SampleGraph.W }, session.InputMetadata[SampleGraph.InputName].Dimensions);
        Assert.Equal("N", session.OutputMetadata[SampleGraph.OutputName].SymbolicDimensions[0]);

        foreach (int batch in new[] { 1, 3 })
        {
            float[] pixels = SampleGraph.RandomPixels(batch, seed: (ulong)(100 + batch));
            var (actual, shape) = SampleGraph.RunOrt(session, pixels, [batch, SampleGraph.C * SampleGraph.H * SampleGraph.W]);
            float[] expected = sample.Reference(pixels, batch);

            Assert.Equal(new long[] { batch, SampleGraph.Classes }, shape);
            Assert.Equal(expected.Length, actual.Length);
            float maxDiff = expected.Zip(actual, (e, a) => MathF.Abs(e - a)).Max();
            Assert.True(maxDiff <= 1e-4f, $"batch {batch}: max |Δ| = {maxDiff}");
            Assert.Contains(expected, v => MathF.Abs(v) > 1e-2f); // not trivially zero
        }
    }

    [Fact]
    public void Serialised_size_matches_calculated_size_and_stream_output()
    {
        using var sample = new SampleGraph(seed: 1);
        var writer = new OnnxModelWriter();
        GraphProto graph = sample.Build().Build();
        ModelProto model = writer.CreateModel(graph);
        byte[] bytes = model.ToByteArray();
        Assert.Equal(model.CalculateSize(), bytes.Length);

        using var stream = new MemoryStream();
        writer.Write(graph, stream);
        Assert.Equal(bytes, stream.ToArray());
    }

    [Fact]
    public void Conv_gets_kernel_shape_from_its_initializer_and_explicit_group()
    {
        var b = new OnnxGraphBuilder();
        string x = b.AddInput("x", 4, 5, 5);
        string y = b.Conv(x, b.AddInitializer("w", new float[6 * 2 * 3 * 1], 6, 2, 3, 1), group: 2);
        b.AddOutput(y, 6, 3, 5);
        NodeProto conv = b.Build().Node.Single(n => n.Output.Contains(y));
        Assert.Equal(new long[] { 3, 1 }, conv.Attribute.Single(a => a.Name == "kernel_shape").Ints);
        Assert.Equal(2, conv.Attribute.Single(a => a.Name == "group").I);
    }

    [Fact]
    public void Builder_rejects_unknown_inputs_duplicate_names_and_wrong_attribute_lengths()
    {
        var b = new OnnxGraphBuilder();
        string x = b.AddInput("x", 3, 4, 4);
        string w = b.AddInitializer("w", new float[2 * 3 * 3 * 3], 2, 3, 3, 3);
        Assert.Throws<ArgumentException>(() => b.Relu("typo"));
        Assert.Throws<ArgumentException>(() => b.AddInitializer("x", new float[1], 1));
        Assert.Throws<ArgumentException>(() => b.AddInitializer("bad", new float[5], 2, 3));
        Assert.Throws<ArgumentException>(() => b.Conv(x, w, pads: [1, 1]));
        Assert.Throws<ArgumentException>(() => b.AddOutput("nope", 2));
        Assert.Throws<InvalidOperationException>(() => b.Build());

        string r1 = b.Relu(x);
        string r2 = b.Relu(x);
        Assert.NotEqual(r1, r2);
        Assert.Throws<ArgumentException>(() => b.Relu(x, output: r1));
    }
}
