namespace MlNetMoco.Core.Interop;

/// <summary>The <c>fc</c> head found in a state dict.</summary>
/// <param name="Shape">Its kind.</param>
/// <param name="HiddenDim">Hidden width of an <see cref="HeadShape.Mlp"/> head, else 0.</param>
/// <param name="OutputDim">Output width of a <see cref="HeadShape.Linear"/> or <see cref="HeadShape.Mlp"/> head, else 0.</param>
/// <param name="TensorCount">Number of <c>fc.*</c> tensors.</param>
public sealed record DetectedHead(HeadShape Shape, int HiddenDim, int OutputDim, int TensorCount)
{
    /// <summary>No head.</summary>
    public static DetectedHead None { get; } = new(HeadShape.None, 0, 0, 0);

    /// <inheritdoc />
    public override string ToString() => Shape switch
    {
        HeadShape.None => "no fc head",
        HeadShape.Linear => $"a linear fc head with {OutputDim} outputs",
        HeadShape.Mlp => $"an MLP fc head ({HiddenDim} hidden, {OutputDim} outputs)",
        _ => $"an fc head of {TensorCount} tensors that is neither linear nor a MoCo v2 MLP",
    };
}
