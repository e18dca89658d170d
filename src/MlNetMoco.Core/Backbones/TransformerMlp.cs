using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Backbones;

/// <summary>A transformer block's MLP as timm's <c>Mlp</c>: <c>fc1</c> (D → hidden), exact GELU (erf), <c>fc2</c> (hidden → D). No dropout.</summary>
public sealed class TransformerMlp : nn.Module<Tensor, Tensor>
{
    private readonly Linear fc1;
    private readonly GELU act;
    private readonly Linear fc2;

    /// <summary>Builds the MLP (PyTorch's default initialisation; <see cref="VisionTransformer"/> re-draws it).</summary>
    /// <param name="embedDim">Token width D.</param>
    /// <param name="hiddenDim">Hidden width (D × the MLP ratio, 4 in the paper's ViTs).</param>
    public TransformerMlp(int embedDim, int hiddenDim) : base(nameof(TransformerMlp))
    {
        fc1 = nn.Linear(embedDim, hiddenDim, hasBias: true);
        act = nn.GELU();
        fc2 = nn.Linear(hiddenDim, embedDim, hasBias: true);
        RegisterComponents();
    }

    /// <summary>The first layer <c>fc1</c>.</summary>
    public Linear Fc1 => fc1;

    /// <summary>The second layer <c>fc2</c>.</summary>
    public Linear Fc2 => fc2;

    /// <summary>N×T×D → N×T×D.</summary>
    /// <param name="x">Tokens.</param>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return fc2.call(act.call(fc1.call(x))).MoveToOuterDisposeScope();
    }
}
