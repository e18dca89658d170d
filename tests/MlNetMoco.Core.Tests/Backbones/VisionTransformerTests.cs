using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Data;
using MlNetMoco.Core.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Tests.Backbones;

/// <summary>
/// <see cref="VisionTransformer"/> against timm's names and moco-v3's <c>vits.py</c>: the state dict, the frozen random
/// patch projection, the fixed 2-D sin-cos position embedding, the class-token features, seeded initialisation and the
/// checks of <see cref="BackboneSpec"/>'s ViT settings.
/// </summary>
public class VisionTransformerTests
{
    private static VisionTransformer Tiny(int channels = 3, int side = 16, int patch = 4, nn.Module<Tensor, Tensor>? head = null) =>
        new(BackboneKind.VitTiny, channels, side, patch, head);

    /// <summary>timm's names and shapes for width D, the given depth, P patches and patch p over C channels.</summary>
    private static Dictionary<string, long[]> TimmStateDict(int d, int depth, int patches, int patch, int channels)
    {
        var expected = new Dictionary<string, long[]>
        {
            ["cls_token"] = [1, 1, d],
            ["pos_embed"] = [1, 1 + patches, d],
            ["patch_embed.proj.weight"] = [d, channels, patch, patch],
            ["patch_embed.proj.bias"] = [d],
            ["norm.weight"] = [d],
            ["norm.bias"] = [d],
        };
        for (int i = 0; i < depth; i++)
        {
            string b = $"blocks.{i}";
            expected[$"{b}.norm1.weight"] = [d];
            expected[$"{b}.norm1.bias"] = [d];
            expected[$"{b}.attn.qkv.weight"] = [3 * d, d];
            expected[$"{b}.attn.qkv.bias"] = [3 * d];
            expected[$"{b}.attn.proj.weight"] = [d, d];
            expected[$"{b}.attn.proj.bias"] = [d];
            expected[$"{b}.norm2.weight"] = [d];
            expected[$"{b}.norm2.bias"] = [d];
            expected[$"{b}.mlp.fc1.weight"] = [4 * d, d];
            expected[$"{b}.mlp.fc1.bias"] = [4 * d];
            expected[$"{b}.mlp.fc2.weight"] = [d, 4 * d];
            expected[$"{b}.mlp.fc2.bias"] = [d];
        }
        return expected;
    }

    [Theory]
    [InlineData(BackboneKind.VitTiny, 192, 3, 3, 32, 4)]
    [InlineData(BackboneKind.VitSmall, 384, 12, 1, 32, 16)]
    public void The_state_dict_has_timm_s_names_and_shapes(BackboneKind kind, int d, int heads, int channels, int side, int patch)
    {
        using var net = new VisionTransformer(kind, channels, side, patch);
        var expected = TimmStateDict(d, 12, side / patch * (side / patch), patch, channels);
        var actual = net.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, shape) in expected) Assert.True(shape.SequenceEqual(actual[name]), $"{name}: [{string.Join(", ", actual[name])}]");
        Assert.Equal(d, net.FeatureDim);
        Assert.Equal(heads, net.Heads);
        Assert.Equal(12, net.Depth);
        // pos_embed is fixed: a buffer, not a parameter (neither the optimizer nor the momentum update sees it).
        Assert.DoesNotContain(net.named_parameters(), p => p.name == "pos_embed");
        Assert.Contains(net.named_buffers(), b => b.name == "pos_embed");
    }

    [Fact]
    public void The_patch_projection_is_frozen_and_an_optimizer_step_leaves_it_and_the_position_embedding_unchanged()
    {
        torch.manual_seed(3);
        using var net = Tiny(head: nn.Linear(VisionTransformer.TinyEmbedDim, 5));
        var proj = net.PatchEmbed.Proj;
        Assert.False(proj.weight!.requires_grad);
        Assert.False(proj.bias!.requires_grad);
        Assert.True(net.ClassToken.requires_grad);
        Assert.False(net.PositionEmbedding.requires_grad);
        using var weightBefore = proj.weight.detach().clone();
        using var biasBefore = proj.bias.detach().clone();
        using var posBefore = net.PositionEmbedding.clone();
        using var qkvBefore = net.Blocks[0].Attention.Qkv.weight!.detach().clone();
        using var clsBefore = net.ClassToken.detach().clone();

        // Every parameter goes to the optimizer, as moco-v3 passes model.parameters(): only requires_grad keeps the
        // projection out of the update.
        using var optimizer = optim.SGD(net.parameters(), 0.5, momentum: 0.9, weight_decay: 0.1);
        using (var scope = NewDisposeScope())
        {
            var x = rand(new long[] { 4, 3, 16, 16 }, generator: new Generator(1));
            var loss = net.call(x).pow(2).sum();
            Assert.True(loss.item<float>() > 0);
            optimizer.zero_grad();
            loss.backward();
            Assert.Null(proj.weight.grad);
            Assert.Null(proj.bias.grad);
            optimizer.step();
        }
        Assert.True(proj.weight.eq(weightBefore).all().item<bool>());
        Assert.True(proj.bias.eq(biasBefore).all().item<bool>());
        Assert.True(net.PositionEmbedding.eq(posBefore).all().item<bool>());
        Assert.False(net.Blocks[0].Attention.Qkv.weight!.eq(qkvBefore).all().item<bool>(), "the step changed nothing");
        Assert.False(net.ClassToken.eq(clsBefore).all().item<bool>(), "the class token is trained");
    }

    /// <summary>moco-v3's build_2d_sincos_position_embedding written out literally (meshgrid of (w, h), "ij" indexing).</summary>
    private static double[,] NaivePositionEmbedding(int h, int w, int d)
    {
        int posDim = d / 4;
        var table = new double[1 + h * w, d];
        for (int i = 0; i < w; i++)          // meshgrid(arange(w), arange(h)): the first grid varies along axis 0
            for (int j = 0; j < h; j++)
            {
                int m = i * h + j;           // flatten() order
                double gridW = i, gridH = j;
                for (int k = 0; k < posDim; k++)
                {
                    double omega = 1.0 / Math.Pow(10000.0, (double)k / posDim);
                    table[1 + m, k] = Math.Sin(gridW * omega);
                    table[1 + m, posDim + k] = Math.Cos(gridW * omega);
                    table[1 + m, 2 * posDim + k] = Math.Sin(gridH * omega);
                    table[1 + m, 3 * posDim + k] = Math.Cos(gridH * omega);
                }
            }
        return table; // row 0 (the class token): zeros
    }

    [Theory]
    [InlineData(16, 4)]
    [InlineData(32, 4)]
    public void The_position_embedding_is_moco_v3_s_2d_sin_cos_table(int side, int patch)
    {
        using var net = Tiny(side: side, patch: patch);
        int grid = side / patch, d = net.FeatureDim;
        var expected = NaivePositionEmbedding(grid, grid, d);
        var actual = net.PositionEmbedding.data<float>().ToArray();
        Assert.Equal((1 + grid * grid) * d, actual.Length);
        double worst = 0;
        for (int t = 0; t < 1 + grid * grid; t++)
            for (int c = 0; c < d; c++)
                worst = Math.Max(worst, Math.Abs(expected[t, c] - actual[t * d + c]));
        Assert.True(worst < 2e-6, $"max |Δ| = {worst}");
        Assert.All(actual.Take(d), v => Assert.Equal(0f, v));
        // Not symmetric in rows and columns: patch (0, 1) and patch (1, 0) differ, so the ordering is really tested.
        Assert.NotEqual(actual[(1 + 1) * d], actual[(1 + grid) * d]);
    }

    [Fact]
    public void Features_are_the_normalised_class_token_N_by_D_and_forward_applies_the_head()
    {
        torch.manual_seed(4);
        using var net = Tiny(channels: 1, head: nn.Linear(VisionTransformer.TinyEmbedDim, 7));
        net.eval();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = rand(new long[] { 3, 1, 16, 16 }, generator: new Generator(2));
        var features = net.Features(x);
        Assert.Equal(new long[] { 3, 192 }, features.shape);
        Assert.Equal(192, net.FeatureDim);
        Assert.Equal(new long[] { 3, 7 }, net.call(x).shape);
        // After the final LayerNorm (weight 1, bias 0 at initialisation): each feature vector has mean 0 and variance 1.
        Assert.True(features.mean(new long[] { 1 }).abs().max().item<float>() < 1e-4);
        Assert.True(features.var(1, unbiased: false).sub(1.0).abs().max().item<float>() < 1e-3);
        // The images matter, row by row.
        Assert.False(features[0].allclose(features[1]));
    }

    [Fact]
    public void Images_of_another_size_are_refused_by_name()
    {
        using var net = Tiny();
        var e = Assert.Throws<ArgumentException>(() => net.Features(zeros(2, 3, 32, 32)));
        Assert.Contains("16×16", e.Message);
        Assert.Throws<ArgumentException>(() => net.Features(zeros(2, 1, 16, 16)));
    }

    [Fact]
    public void Seeded_initialisation_is_reproducible_and_follows_vits_py()
    {
        Dictionary<string, float[]> Build(ulong seed, int globalSeed)
        {
            torch.manual_seed(globalSeed); // whatever the process-wide generator holds
            using var net = Tiny(head: nn.Linear(VisionTransformer.TinyEmbedDim, 8));
            using var generator = new Generator(seed);
            SeededInitialization.Apply(net, generator);
            return net.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.data<float>().ToArray());
        }
        var a = Build(11, 1);
        var b = Build(11, 2);
        var c = Build(12, 1);
        Assert.Equal(a.Keys, b.Keys);
        foreach (var key in a.Keys) Assert.True(a[key].SequenceEqual(b[key]), key);
        Assert.False(a["blocks.0.attn.qkv.weight"].SequenceEqual(c["blocks.0.attn.qkv.weight"]));
        Assert.False(a["patch_embed.proj.weight"].SequenceEqual(c["patch_embed.proj.weight"]));
        Assert.False(a["fc.weight"].SequenceEqual(c["fc.weight"]));

        // vits.py's distributions: q, k and v bounds apart, Xavier elsewhere, zero biases, a tiny class token.
        static void Uniform(float[] values, double bound)
        {
            float max = values.Max(v => Math.Abs(v));
            Assert.True(max <= bound && max > 0.95 * bound, $"max |w| = {max}, bound {bound}");
        }
        Uniform(a["blocks.3.attn.qkv.weight"], Math.Sqrt(6.0 / (192 + 192)));
        Uniform(a["blocks.3.attn.proj.weight"], Math.Sqrt(6.0 / (192 + 192)));
        Uniform(a["blocks.3.mlp.fc1.weight"], Math.Sqrt(6.0 / (192 + 768)));
        Uniform(a["patch_embed.proj.weight"], Math.Sqrt(6.0 / (3 * 4 * 4 + 192)));
        Uniform(a["fc.weight"], 1 / Math.Sqrt(192)); // the head keeps PyTorch's default Linear initialisation
        Assert.All(a["blocks.3.attn.qkv.bias"], v => Assert.Equal(0f, v));
        Assert.All(a["patch_embed.proj.bias"], v => Assert.Equal(0f, v));
        Assert.All(a["norm.weight"], v => Assert.Equal(1f, v));
        float cls = a["cls_token"].Max(v => Math.Abs(v));
        Assert.True(cls > 0 && cls < 1e-5, $"max |cls_token| = {cls}");
    }

    [Fact]
    public void Automatic_sizes_come_from_the_images()
    {
        var spec = new BackboneSpec(BackboneKind.VitTiny, 1);
        Assert.Equal((4, 28), (spec.ForImages(new ImageShape(1, 28, 28)).PatchSize, spec.ForImages(new ImageShape(1, 28, 28)).ImageSize));
        Assert.Equal(4, spec.ForImages(new ImageShape(1, 96, 96)).PatchSize);
        Assert.Equal(16, spec.ForImages(new ImageShape(1, 128, 128)).PatchSize);
        Assert.Equal(16, spec.ForImages(new ImageShape(1, 224, 224)).PatchSize);
        Assert.Equal(8, (spec with { PatchSize = 8 }).ForImages(new ImageShape(1, 32, 32)).PatchSize);
        var resnet = new BackboneSpec(BackboneKind.ResNet18, 1);
        Assert.Same(resnet, resnet.ForImages(new ImageShape(1, 30, 17))); // convolutional backbones take any size
    }

    public static TheoryData<BackboneSpec, ImageShape, string, string> InvalidSpecs => new()
    {
        { new BackboneSpec(BackboneKind.VitTiny, 3), new ImageShape(3, 16, 20), "ImageSize", "square" },
        { new BackboneSpec(BackboneKind.VitTiny, 3, PatchSize: 5), new ImageShape(3, 16, 16), "PatchSize", "PatchSize = 5" },
        { new BackboneSpec(BackboneKind.VitTiny, 3), new ImageShape(3, 30, 30), "PatchSize", "divide" },
        { new BackboneSpec(BackboneKind.VitSmall, 3, PatchSize: 32), new ImageShape(3, 16, 16), "PatchSize", "divide" },
        { new BackboneSpec(BackboneKind.VitTiny, 3, ImageSize: 32), new ImageShape(3, 16, 16), "ImageSize", "ImageSize = 32" },
        { new BackboneSpec(BackboneKind.ResNet18, 3, PatchSize: 4), new ImageShape(3, 16, 16), "PatchSize", "ViT backbones only" },
        { new BackboneSpec(BackboneKind.SmallConvNet, 3, ImageSize: 16), new ImageShape(3, 16, 16), "ImageSize", "ViT backbones only" },
    };

    [Theory]
    [MemberData(nameof(InvalidSpecs))]
    public void Specs_that_do_not_fit_the_images_are_refused_naming_the_setting(BackboneSpec spec, ImageShape shape, string setting, string text)
    {
        var e = Assert.Throws<ArgumentException>(() => spec.ForImages(shape));
        Assert.Equal(setting, e.ParamName);
        Assert.Contains(setting, e.Message);
        Assert.Contains(text, e.Message);
    }

    [Fact]
    public void Negative_sizes_and_unresolved_ViT_specs_are_refused_naming_the_setting()
    {
        Assert.Equal("PatchSize", Assert.Throws<ArgumentException>(() => new BackboneSpec(BackboneKind.VitTiny, PatchSize: -4)).ParamName);
        Assert.Equal("ImageSize", Assert.Throws<ArgumentException>(() => new BackboneSpec(BackboneKind.VitTiny) with { ImageSize = -1 }).ParamName);
        var e = Assert.Throws<ArgumentException>(() => BackboneFactory.Create(new BackboneSpec(BackboneKind.VitTiny)));
        Assert.Equal("ImageSize", e.ParamName);
        Assert.Contains("ForImages", e.Message);
        Assert.Throws<ArgumentException>(() => new VisionTransformer(BackboneKind.ResNet18, 3, 16, 4));
        Assert.Equal("PatchSize", Assert.Throws<ArgumentException>(() => new VisionTransformer(BackboneKind.VitTiny, 3, 16, 3)).ParamName);
    }
}
