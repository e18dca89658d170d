using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Backbones;

/// <summary>
/// A pre-norm transformer block as timm's <c>Block</c>: x + attn(norm1(x)), then x + mlp(norm2(x)), with LayerNorm
/// ε = 1e-6 (moco-v3's ViTs). Submodules <c>norm1</c>, <c>attn</c>, <c>norm2</c>, <c>mlp</c>.
/// </summary>
public sealed class TransformerBlock : nn.Module<Tensor, Tensor>
{
    /// <summary>ε of the blocks' and the final LayerNorm: 1e-6 (moco-v3's <c>vits.py</c>).</summary>
    public const double LayerNormEpsilon = 1e-6;

    private readonly LayerNorm norm1;
    private readonly MultiHeadSelfAttention attn;
    private readonly LayerNorm norm2;
    private readonly TransformerMlp mlp;

    /// <summary>Builds the block.</summary>
    /// <param name="embedDim">Token width D.</param>
    /// <param name="heads">Number of attention heads.</param>
    /// <param name="mlpHiddenDim">Hidden width of the MLP.</param>
    public TransformerBlock(int embedDim, int heads, int mlpHiddenDim) : base(nameof(TransformerBlock))
    {
        norm1 = nn.LayerNorm(embedDim, LayerNormEpsilon);
        attn = new MultiHeadSelfAttention(embedDim, heads);
        norm2 = nn.LayerNorm(embedDim, LayerNormEpsilon);
        mlp = new TransformerMlp(embedDim, mlpHiddenDim);
        RegisterComponents();
    }

    /// <summary>The LayerNorm before attention, <c>norm1</c>.</summary>
    public LayerNorm Norm1 => norm1;

    /// <summary>The attention, <c>attn</c>.</summary>
    public MultiHeadSelfAttention Attention => attn;

    /// <summary>The LayerNorm before the MLP, <c>norm2</c>.</summary>
    public LayerNorm Norm2 => norm2;

    /// <summary>The MLP, <c>mlp</c>.</summary>
    public TransformerMlp Mlp => mlp;

    /// <summary>N×T×D → N×T×D.</summary>
    /// <param name="x">Tokens.</param>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var y = x.add(attn.call(norm1.call(x)), HeldScalars.One);
        return y.add(mlp.call(norm2.call(y)), HeldScalars.One).MoveToOuterDisposeScope();
    }
}
