using MlNetMoco.Core.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Backbones;

/// <summary>
/// A Vision Transformer (Dosovitskiy et al. 2021) as MoCo v3 trains it (Chen, Xie, He 2021, arXiv:2104.02057;
/// facebookresearch/moco-v3 <c>vits.py</c> on timm's <c>VisionTransformer</c>): patch projection, a class token,
/// a fixed position embedding, pre-norm transformer blocks and a final LayerNorm; <see cref="Features"/> is the class
/// token after that norm. Parameter names are timm's, so a moco-v3 / timm state dict maps 1:1: <c>cls_token</c>
/// [1, 1, D], <c>pos_embed</c> [1, 1 + P, D], <c>patch_embed.proj.{weight,bias}</c>, <c>blocks.{i}.norm1</c>,
/// <c>blocks.{i}.attn.qkv</c>, <c>blocks.{i}.attn.proj</c>, <c>blocks.{i}.norm2</c>, <c>blocks.{i}.mlp.fc1</c>,
/// <c>blocks.{i}.mlp.fc2</c>, <c>norm</c>; the head slot is <c>fc</c> (timm's <c>head</c>).
/// </summary>
/// <remarks>
/// As in the paper (its section 4.2, "random patch projection") and vits.py: the patch projection is randomly
/// initialised (uniform, Xavier's bound with fan-in C·patch² and fan-out D; vits.py writes 3·patch² for RGB) and
/// frozen (<c>requires_grad = false</c>: it gets no gradient and the optimizer leaves it out); <c>pos_embed</c> is the
/// fixed 2-D sin-cos embedding (<see cref="SinCosPositionEmbedding"/>), held as a buffer so that neither the optimizer
/// nor the momentum update touches it; <c>cls_token</c> is trained and starts from N(0, (1e-6)²). Linear layers start
/// Xavier-uniform with zero biases, the <c>qkv</c> layer's bound computed for q, k and v separately
/// (√(6/(D + D))) as vits.py does; LayerNorms start at weight 1, bias 0. There is no BatchNorm, so Shuffle-BN and
/// <see cref="BackboneSpec.BatchNormSplits"/> do not apply. Images must be square, of side <see cref="ImageSize"/>.
/// </remarks>
public sealed class VisionTransformer : Backbone
{
    /// <summary>ViT-Tiny: width 192.</summary>
    public const int TinyEmbedDim = 192;

    /// <summary>ViT-Small: width 384.</summary>
    public const int SmallEmbedDim = 384;

    /// <summary>Depth of ViT-Tiny and ViT-Small: 12 blocks.</summary>
    public const int StandardDepth = 12;

    /// <summary>Heads of ViT-Tiny: 3.</summary>
    public const int TinyHeads = 3;

    /// <summary>Heads of ViT-Small as moco-v3's <c>vit_small</c>: 12 (timm's ViT-S has 6).</summary>
    public const int SmallHeads = 12;

    /// <summary>MLP hidden width over the token width: 4.</summary>
    public const int MlpRatio = 4;

    /// <summary>Standard deviation of the class token's initial values: 1e-6 (vits.py).</summary>
    public const double ClassTokenInitStd = 1e-6;

    private readonly Parameter cls_token;
    private readonly Tensor pos_embed;
    private readonly PatchEmbedding patch_embed;
    private readonly ModuleList<TransformerBlock> blocks;
    private readonly LayerNorm norm;
    private readonly int _embedDim;

    /// <summary>Builds ViT-Tiny or ViT-Small for square images of side <paramref name="imageSize"/>, initialised from torch's global generator.</summary>
    /// <param name="kind"><see cref="BackboneKind.VitTiny"/> or <see cref="BackboneKind.VitSmall"/>.</param>
    /// <param name="inChannels">Number of input channels (1 grayscale, 3 RGB, any ≥ 1).</param>
    /// <param name="imageSize">Side of the square input images; a multiple of <paramref name="patchSize"/>.</param>
    /// <param name="patchSize">Side of the patches (4 for small images, 16 in the paper).</param>
    /// <param name="head">Module registered as <c>fc</c> and applied to the features; null → identity.</param>
    /// <exception cref="ArgumentException">The kind is not a ViT, or the sizes do not fit; the message names the setting.</exception>
    public VisionTransformer(BackboneKind kind, int inChannels, int imageSize, int patchSize, nn.Module<Tensor, Tensor>? head = null)
        : base(NameOf(kind), inChannels, head)
    {
        new BackboneSpec(kind, inChannels, PatchSize: patchSize, ImageSize: imageSize).CheckVitSizes();
        var (embedDim, depth, heads) = SizeOf(kind);
        Kind = kind;
        ImageSize = imageSize;
        PatchSize = patchSize;
        GridSize = imageSize / patchSize;
        Depth = depth;
        Heads = heads;
        _embedDim = embedDim;

        cls_token = new Parameter(zeros(1, 1, embedDim));
        pos_embed = tensor(SinCosPositionEmbedding.Build(GridSize, embedDim), new long[] { 1, 1 + GridSize * GridSize, embedDim });
        register_buffer(nameof(pos_embed), pos_embed);
        patch_embed = new PatchEmbedding(inChannels, embedDim, patchSize);
        blocks = nn.ModuleList(Enumerable.Range(0, depth).Select(_ => new TransformerBlock(embedDim, heads, MlpRatio * embedDim)).ToArray());
        norm = nn.LayerNorm(embedDim, TransformerBlock.LayerNormEpsilon);
        RegisterComponents();
        InitializeTrunk(null);
        patch_embed.Proj.weight!.requires_grad = false;
        patch_embed.Proj.bias!.requires_grad = false;
    }

    /// <summary>The width, depth and heads of <paramref name="kind"/>: ViT-Tiny (192, 12, 3), ViT-Small (384, 12, 12).</summary>
    /// <param name="kind">A ViT kind.</param>
    /// <exception cref="ArgumentException">Not a ViT kind.</exception>
    public static (int EmbedDim, int Depth, int Heads) SizeOf(BackboneKind kind) => kind switch
    {
        BackboneKind.VitTiny => (TinyEmbedDim, StandardDepth, TinyHeads),
        BackboneKind.VitSmall => (SmallEmbedDim, StandardDepth, SmallHeads),
        _ => throw new ArgumentException($"{kind} is not a Vision Transformer (expected VitTiny or VitSmall).", nameof(kind)),
    };

    /// <summary>ViT-Tiny or ViT-Small.</summary>
    public BackboneKind Kind { get; }

    /// <summary>Side of the square input images.</summary>
    public int ImageSize { get; }

    /// <summary>Side of the patches.</summary>
    public int PatchSize { get; }

    /// <summary>Patches per side, ImageSize / PatchSize (the number of patch tokens is its square).</summary>
    public int GridSize { get; }

    /// <summary>Number of transformer blocks.</summary>
    public int Depth { get; }

    /// <summary>Number of attention heads per block.</summary>
    public int Heads { get; }

    /// <inheritdoc />
    public override int FeatureDim => _embedDim;

    /// <summary>The frozen patch projection, <c>patch_embed</c>.</summary>
    public PatchEmbedding PatchEmbed => patch_embed;

    /// <summary>The trained class token <c>cls_token</c>, 1×1×D.</summary>
    public Parameter ClassToken => get_parameter(nameof(cls_token))!;

    /// <summary>The fixed position embedding <c>pos_embed</c> (a buffer), 1×(1 + P)×D.</summary>
    public Tensor PositionEmbedding => get_buffer(nameof(pos_embed))!;

    /// <summary>The transformer blocks <c>blocks.0</c>…</summary>
    public IReadOnlyList<TransformerBlock> Blocks => blocks.ToList();

    /// <summary>The final LayerNorm <c>norm</c>.</summary>
    public LayerNorm Norm => norm;

    /// <summary>The class token after the final LayerNorm: N×C×S×S images (S = <see cref="ImageSize"/>) → N×D.</summary>
    /// <param name="x">Images, N×<see cref="Backbone.InChannels"/>×S×S.</param>
    /// <exception cref="ArgumentException">The images are not N×C×S×S.</exception>
    public override Tensor Features(Tensor x)
    {
        ValidateInput(x);
        if (x.shape[2] != ImageSize || x.shape[3] != ImageSize)
            throw new ArgumentException(
                $"{GetName()} takes {ImageSize}×{ImageSize} images (patch {PatchSize}), but got {x.shape[2]}×{x.shape[3]}.", nameof(x));
        using var scope = NewDisposeScope();
        var patches = patch_embed.call(x);
        var cls = ClassToken.expand(x.shape[0], -1, -1);
        var y = cat([cls, patches], 1).add(PositionEmbedding, HeldScalars.One);
        foreach (var block in blocks) y = block.call(y);
        return norm.call(y).select(1, 0).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Draws the trunk's initial weights (all but the head <c>fc</c>) as vits.py does, from <paramref name="generator"/>
    /// (null: torch's global generator): Linear Xavier-uniform with zero bias (<c>qkv</c>: q, k, v bounds apart), the
    /// patch projection uniform ±√(6/(C·patch² + D)) with zero bias, <c>cls_token</c> N(0, (1e-6)²), LayerNorms 1 and 0.
    /// The position embedding is fixed and not drawn.
    /// </summary>
    /// <param name="generator">CPU generator; null uses torch's global one.</param>
    internal void InitializeTrunk(Generator? generator)
    {
        using var noGrad = no_grad();
        foreach (var (name, module) in named_modules())
        {
            if (name == "fc" || name.StartsWith("fc.", StringComparison.Ordinal)) continue;
            switch (module)
            {
                case Linear linear:
                    long fanOut = linear.weight!.shape[0], fanIn = linear.weight.shape[1];
                    if (name.EndsWith(".qkv", StringComparison.Ordinal)) fanOut /= 3;
                    SeededInitialization.Uniform(linear.weight, Math.Sqrt(6.0 / (fanIn + fanOut)), generator);
                    linear.bias?.zero_();
                    break;
                case Conv2d conv:
                    var w = conv.weight!;
                    SeededInitialization.Uniform(w, Math.Sqrt(6.0 / (w.shape[1] * w.shape[2] * w.shape[3] + w.shape[0])), generator);
                    conv.bias?.zero_();
                    break;
                case LayerNorm layerNorm:
                    layerNorm.weight?.fill_(HeldScalars.One);
                    layerNorm.bias?.zero_();
                    break;
            }
        }
        SeededInitialization.Normal(ClassToken, ClassTokenInitStd, generator);
    }

    private static string NameOf(BackboneKind kind)
    {
        SizeOf(kind);
        return kind.ToString();
    }
}
