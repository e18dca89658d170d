using System.Text.Json.Serialization;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Heads;

/// <summary>
/// One block of a head (<see cref="HeadSpec"/>): <see cref="LinearLayer"/>, <see cref="BatchNorm1dLayer"/> or
/// <see cref="ReluLayer"/>, the blocks the MoCo family's projectors and predictors are made of (MoCo v1: one linear
/// layer; v2: Linear–ReLU–Linear; v3: Linear–BN–ReLU–Linear–BN without affine). Stored as JSON with a "Type" tag.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "Type")]
[JsonDerivedType(typeof(LinearLayer), "Linear")]
[JsonDerivedType(typeof(BatchNorm1dLayer), "BatchNorm1d")]
[JsonDerivedType(typeof(ReluLayer), "ReLU")]
public abstract record HeadLayer
{
    /// <summary>The width of this block's output when its input has <paramref name="inputDim"/> features.</summary>
    /// <param name="inputDim">Width of the input.</param>
    /// <exception cref="ArgumentException">The block cannot take that width (the message names the block).</exception>
    public abstract int OutputDim(int inputDim);

    /// <summary>A freshly initialised TorchSharp module of this block (PyTorch's default initialisation).</summary>
    public abstract nn.Module<Tensor, Tensor> Build();
}

/// <summary><c>nn.Linear(InFeatures, OutFeatures, bias: Bias)</c>: parameters <c>weight</c> [out, in] and <c>bias</c> [out].</summary>
/// <param name="InFeatures">Input width (positive).</param>
/// <param name="OutFeatures">Output width (positive).</param>
/// <param name="Bias">Whether the layer has a bias. Default true (MoCo v1/v2); MoCo v3's projector has none.</param>
public sealed record LinearLayer(int InFeatures, int OutFeatures, bool Bias = true) : HeadLayer
{
    /// <inheritdoc />
    public override int OutputDim(int inputDim)
    {
        if (InFeatures <= 0 || OutFeatures <= 0)
            throw new ArgumentException($"{this} is not valid: both widths must be positive.");
        if (inputDim != InFeatures)
            throw new ArgumentException($"{this} takes {InFeatures} features but receives {inputDim}.");
        return OutFeatures;
    }

    /// <inheritdoc />
    public override nn.Module<Tensor, Tensor> Build() => nn.Linear(InFeatures, OutFeatures, hasBias: Bias);

    /// <inheritdoc />
    public override string ToString() => $"Linear({InFeatures}→{OutFeatures}{(Bias ? "" : ", no bias")})";
}

/// <summary>
/// <c>nn.BatchNorm1d(Features, affine: Affine)</c> (ε = 1e-5, momentum 0.1; built as <see cref="Normalization.HeldBatchNorm1d"/>): in training mode it normalises with the
/// batch statistics, in evaluation mode with its running statistics (and is then folded into the linear layer before
/// it by the ONNX exporter).
/// </summary>
/// <param name="Features">Number of features normalised (positive).</param>
/// <param name="Affine">Whether it has a learned scale and shift. Default true; false for MoCo v3's last projector layer.</param>
public sealed record BatchNorm1dLayer(int Features, bool Affine = true) : HeadLayer
{
    /// <inheritdoc />
    public override int OutputDim(int inputDim)
    {
        if (Features <= 0) throw new ArgumentException($"{this} is not valid: the feature count must be positive.");
        if (inputDim != Features) throw new ArgumentException($"{this} normalises {Features} features but receives {inputDim}.");
        return Features;
    }

    /// <inheritdoc />
    public override nn.Module<Tensor, Tensor> Build() => new Normalization.HeldBatchNorm1d(Features, Affine);

    /// <inheritdoc />
    public override string ToString() => $"BatchNorm1d({Features}{(Affine ? "" : ", no affine")})";
}

/// <summary><c>nn.ReLU()</c>: no parameters.</summary>
public sealed record ReluLayer : HeadLayer
{
    /// <inheritdoc />
    public override int OutputDim(int inputDim) => inputDim;

    /// <inheritdoc />
    public override nn.Module<Tensor, Tensor> Build() => nn.ReLU();

    /// <inheritdoc />
    public override string ToString() => "ReLU";
}
