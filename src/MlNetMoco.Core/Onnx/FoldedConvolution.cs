namespace MlNetMoco.Core.Onnx;

/// <summary>A convolution with a following batch normalisation folded in (see <see cref="BatchNormFolding"/>).</summary>
/// <param name="Weight">Folded weight, same shape and row-major layout as the original convolution weight [M, C/group, kH, kW].</param>
/// <param name="Bias">Folded bias, one value per output channel M.</param>
public sealed record FoldedConvolution(float[] Weight, float[] Bias);
