using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Backbones;

/// <summary>
/// Multi-head self-attention as timm's <c>Attention</c>: one linear layer <c>qkv</c> (D → 3D, with bias) gives
/// queries, keys and values for every head (head width D/heads), softmax(q·kᵀ/√(D/heads))·v per head, heads
/// concatenated and projected by <c>proj</c> (D → D). No dropout.
/// </summary>
public sealed class MultiHeadSelfAttention : nn.Module<Tensor, Tensor>
{
    private readonly Linear qkv;
    private readonly Linear proj;
    private readonly double _scale;

    /// <summary>Builds the layer (PyTorch's default initialisation; <see cref="VisionTransformer"/> re-draws it).</summary>
    /// <param name="embedDim">Token width D.</param>
    /// <param name="heads">Number of heads; must divide <paramref name="embedDim"/>.</param>
    public MultiHeadSelfAttention(int embedDim, int heads) : base(nameof(MultiHeadSelfAttention))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(heads, 1);
        if (embedDim % heads != 0)
            throw new ArgumentException($"The width {embedDim} is not divisible by the {heads} heads.", nameof(heads));
        Heads = heads;
        _scale = 1.0 / Math.Sqrt(embedDim / heads);
        qkv = nn.Linear(embedDim, 3 * embedDim, hasBias: true);
        proj = nn.Linear(embedDim, embedDim, hasBias: true);
        RegisterComponents();
    }

    /// <summary>Number of heads.</summary>
    public int Heads { get; }

    /// <summary>The query-key-value projection <c>qkv</c> (weight 3D×D: rows of q, then k, then v).</summary>
    public Linear Qkv => qkv;

    /// <summary>The output projection <c>proj</c>.</summary>
    public Linear Proj => proj;

    /// <summary>N×T×D tokens → N×T×D.</summary>
    /// <param name="x">Tokens.</param>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        long n = x.shape[0], tokens = x.shape[1], width = x.shape[2];
        var parts = qkv.call(x).reshape(n, tokens, 3, Heads, width / Heads).permute(2, 0, 3, 1, 4).unbind(0);
        using var scale = _scale.ToScalar();
        var attention = parts[0].matmul(parts[1].transpose(-2, -1)).mul_(scale).softmax(-1);
        var heads = attention.matmul(parts[2]).transpose(1, 2).reshape(n, tokens, width);
        return proj.call(heads).MoveToOuterDisposeScope();
    }
}
