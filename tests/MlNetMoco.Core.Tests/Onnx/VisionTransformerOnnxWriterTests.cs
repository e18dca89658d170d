using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Onnx;
using MlNetMoco.Core.Tests.Inference;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Tests.Onnx;

/// <summary>
/// The ViT's ONNX graph (opset 17: LayerNormalization, Erf GELU, attention from MatMul/Softmax): ONNX Runtime agrees
/// with TorchSharp's eval-mode <see cref="VisionTransformer.Features"/> to 1e-4 at any batch size, and the model passes
/// onnx.checker. LayerNorm affine parameters and the class token are randomised, so each of them really enters.
/// </summary>
public class VisionTransformerOnnxWriterTests
{
    private const int Channels = 3, Side = 16, Patch = 4;

    private static VisionTransformer Randomised()
    {
        torch.manual_seed(29);
        var vit = new VisionTransformer(BackboneKind.VitTiny, Channels, Side, Patch);
        using var noGrad = no_grad();
        using var generator = new Generator(31);
        foreach (var norm in vit.modules().OfType<TorchSharp.Modules.LayerNorm>())
        {
            norm.weight!.copy_(rand(norm.weight.shape, generator: generator).add_(0.5));
            norm.bias!.copy_(rand(norm.bias.shape, generator: generator).sub_(0.5).mul_(0.4));
        }
        vit.ClassToken.copy_(randn(vit.ClassToken.shape, generator: generator));
        vit.eval();
        return vit;
    }

    private static float[] Images(int batch, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, batch * Channels * Side * Side).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();
    }

    private static byte[] Model(VisionTransformer vit)
    {
        var g = new OnnxGraphBuilder("vit");
        string images = g.AddInput("images", Channels, Side, Side);
        string features = BackboneOnnxExporter.WriteFeatures(g, vit, images, output: "features");
        g.AddOutput(features, vit.FeatureDim);
        return new OnnxModelWriter().ToBytes(g.Build());
    }

    [Fact]
    public void OnnxRuntime_matches_TorchSharp_at_any_batch_size_and_the_model_passes_the_checker()
    {
        string? python = OnnxChecker.Find();
        using var vit = Randomised();
        Assert.True(BackboneOnnxExporter.IsSupported(vit));
        byte[] model = Model(vit);
        using var session = new InferenceSession(model);
        foreach (int batch in new[] { 1, 3 })
        {
            var images = Images(batch, seed: 40 + batch);
            float[] expected;
            using (no_grad())
            using (var scope = NewDisposeScope())
                expected = vit.Features(tensor(images, new long[] { batch, Channels, Side, Side })).data<float>().ToArray();
            var input = new DenseTensor<float>(images, new[] { batch, Channels, Side, Side });
            using var results = session.Run(new[] { NamedOnnxValue.CreateFromTensor("images", input) });
            var output = results.Single(r => r.Name == "features").AsTensor<float>();
            Assert.Equal(new[] { batch, 192 }, output.Dimensions.ToArray());
            float worst = EncoderTestData.MaxAbsDiff(expected, output.ToArray());
            Assert.True(worst <= 1e-4f, $"batch {batch}: max |Δ| = {worst}");
        }
        if (python is null)
        {
            OnnxChecker.Require(checkedSoFar: "ONNX Runtime matched TorchSharp to 1e-4 at batch 1 and 3");
            return;
        }
        var (exit, text) = OnnxChecker.Check(python, model);
        Assert.True(exit == 0, $"onnx.checker rejected the ViT (exit {exit}):\n{text}");
    }

    [Fact]
    public void The_graph_keeps_timm_names_and_uses_the_opset_17_operators()
    {
        using var vit = Randomised();
        var g = new OnnxGraphBuilder("vit");
        string images = g.AddInput("images", Channels, Side, Side);
        BackboneOnnxExporter.WriteFeatures(g, vit, images, output: "features");
        g.AddOutput("features", vit.FeatureDim);
        var graph = g.Build();
        var names = graph.Initializer.Select(t => t.Name).ToHashSet();
        foreach (string name in new[] { "cls_token", "pos_embed", "patch_embed.proj.weight", "blocks.0.norm1.weight", "blocks.11.attn.qkv.weight.T", "norm.bias" })
            Assert.Contains(name, names);
        Assert.Equal(2 * 12 + 1, graph.Node.Count(n => n.OpType == "LayerNormalization"));
        Assert.Equal(12, graph.Node.Count(n => n.OpType == "Softmax"));
        Assert.Equal(12, graph.Node.Count(n => n.OpType == "Erf"));
        Assert.Single(graph.Node, n => n.OpType == "Conv");
        Assert.DoesNotContain(graph.Node, n => n.OpType == "BatchNormalization");
    }
}
