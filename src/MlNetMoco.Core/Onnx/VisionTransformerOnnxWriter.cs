using MlNetMoco.Core.Backbones;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Onnx;

/// <summary>
/// <see cref="VisionTransformer"/> (ViT-Tiny/Small): the patch projection as a Conv of kernel and stride patch,
/// Reshape/Transpose to N×P×D tokens, the class token broadcast to the batch (Shape/Concat/Expand, so the batch
/// dimension stays symbolic) and concatenated in front, the position embedding added, then per block
/// x + proj(attention(LayerNormalization(x))) and x + fc2(GELU(fc1(LayerNormalization(x)))), the final
/// LayerNormalization (opset 17, ε = 1e-6) and the class token (Gather). Attention is written out per head:
/// Reshape to N×T×3×heads×d, Transpose, Gather q, k, v, MatMul, scale, Softmax, MatMul, Transpose and Reshape back.
/// GELU is the exact one, 0.5·x·(1 + Erf(x/√2)). Linear weights are stored transposed (<c>{name}.weight.T</c>, D_in×D_out)
/// for MatMul; the other initializers keep timm's names.
/// </summary>
internal sealed class VisionTransformerOnnxWriter : IBackboneOnnxWriter
{
    /// <inheritdoc />
    public bool CanWrite(Backbone network) => network is VisionTransformer;

    /// <inheritdoc />
    public string WriteFeatures(OnnxGraphBuilder graph, Backbone network, string images, bool foldBatchNorm, string? output)
    {
        var vit = (VisionTransformer)network;
        var g = graph;
        long d = vit.FeatureDim, patch = vit.PatchSize;
        var proj = vit.PatchEmbed.Proj;
        string x = g.Conv(images, g.AddInitializer("patch_embed.proj.weight", proj.weight!), g.AddInitializer("patch_embed.proj.bias", proj.bias!),
            strides: [patch, patch], pads: OnnxGraphBuilder.SymmetricPads(0, 0));
        x = g.Transpose(g.Reshape(x, [0, d, -1]), [0, 2, 1]);                                   // N×P×D

        string batch = g.Shape(x, 0, 1);                                                          // [N]
        string clsShape = g.Concat([batch, g.AddInt64Initializer("cls_token_shape_tail", [1, d], 2)], 0);
        string cls = g.Expand(g.AddInitializer("cls_token", vit.ClassToken), clsShape);          // N×1×D
        x = g.Concat([cls, x], 1);
        x = g.Add(x, g.AddInitializer("pos_embed", vit.PositionEmbedding));

        string[] qkvIndex = ["index_0", "index_1", "index_2"];
        for (int i = 0; i < qkvIndex.Length; i++) g.AddInt64Initializer(qkvIndex[i], [i]);       // rank 0
        string scale = g.AddInitializer("attention_scale", [(float)(1.0 / Math.Sqrt(d / vit.Heads))]);
        string half = g.AddInitializer("gelu_half", [0.5f]);
        string one = g.AddInitializer("gelu_one", [1f]);
        string sqrt2 = g.AddInitializer("gelu_sqrt2", [(float)Math.Sqrt(2.0)]);

        for (int b = 0; b < vit.Blocks.Count; b++)
        {
            var block = vit.Blocks[b];
            string name = $"blocks.{b}";
            string h = LayerNorm(g, x, block.Norm1, $"{name}.norm1");
            string qkv = Linear(g, h, block.Attention.Qkv, $"{name}.attn.qkv");
            qkv = g.Transpose(g.Reshape(qkv, [0, 0, 3, vit.Heads, d / vit.Heads]), [2, 0, 3, 1, 4]); // 3×N×heads×T×d
            string q = g.Gather(qkv, qkvIndex[0]), k = g.Gather(qkv, qkvIndex[1]), v = g.Gather(qkv, qkvIndex[2]);
            string attention = g.Softmax(g.Mul(g.MatMul(q, g.Transpose(k, [0, 1, 3, 2])), scale), -1);
            string heads = g.Reshape(g.Transpose(g.MatMul(attention, v), [0, 2, 1, 3]), [0, 0, d]); // N×T×D
            x = g.Add(x, Linear(g, heads, block.Attention.Proj, $"{name}.attn.proj"));

            h = LayerNorm(g, x, block.Norm2, $"{name}.norm2");
            h = Linear(g, h, block.Mlp.Fc1, $"{name}.mlp.fc1");
            h = g.Mul(g.Mul(h, half), g.Add(one, g.Erf(g.Div(h, sqrt2))));                        // exact GELU
            x = g.Add(x, Linear(g, h, block.Mlp.Fc2, $"{name}.mlp.fc2"));
        }
        x = LayerNorm(g, x, vit.Norm, "norm");
        return g.Gather(x, qkvIndex[0], axis: 1, output: output);                                 // the class token, N×D
    }

    /// <summary>x·Wᵀ + b with Wᵀ stored as <c>{name}.weight.T</c>.</summary>
    private static string Linear(OnnxGraphBuilder g, string x, Linear linear, string name)
    {
        using var transposed = linear.weight!.detach().t().contiguous();
        string y = g.MatMul(x, g.AddInitializer($"{name}.weight.T", transposed));
        return linear.bias is null ? y : g.Add(y, g.AddInitializer($"{name}.bias", linear.bias));
    }

    private static string LayerNorm(OnnxGraphBuilder g, string x, LayerNorm norm, string name) =>
        g.LayerNormalization(x, g.AddInitializer($"{name}.weight", norm.weight!), g.AddInitializer($"{name}.bias", norm.bias!),
            axis: -1, epsilon: (float)TransformerBlock.LayerNormEpsilon);
}
