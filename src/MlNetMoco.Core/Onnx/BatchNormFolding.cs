using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Onnx;

/// <summary>
/// Folds an inference-mode batch normalisation into the convolution before it. With
/// s = γ / √(running_var + ε) per output channel: W' = W·s and b' = (b − running_mean)·s + β
/// (b = 0 when the convolution has no bias). Arithmetic is done in double precision.
/// </summary>
public static class BatchNormFolding
{
    /// <summary>Folds BN parameters given as arrays; the weight's first dimension is the output channel.</summary>
    /// <param name="convWeight">Convolution weight, row-major, length M·(C/group)·kH·kW.</param>
    /// <param name="convBias">Convolution bias (length M), or <see langword="null"/> for none.</param>
    /// <param name="bnWeight">BN γ (length M), or <see langword="null"/> for a non-affine BN (γ = 1).</param>
    /// <param name="bnBias">BN β (length M), or <see langword="null"/> for a non-affine BN (β = 0).</param>
    /// <param name="runningMean">BN running mean (length M).</param>
    /// <param name="runningVar">BN running variance (length M).</param>
    /// <param name="eps">BN ε.</param>
    public static FoldedConvolution Fold(ReadOnlySpan<float> convWeight, float[]? convBias, float[]? bnWeight, float[]? bnBias,
        float[] runningMean, float[] runningVar, double eps)
    {
        ArgumentNullException.ThrowIfNull(runningMean);
        ArgumentNullException.ThrowIfNull(runningVar);
        int channels = runningMean.Length;
        if (channels == 0) throw new ArgumentException("BatchNorm has no channels.", nameof(runningMean));
        CheckLength(runningVar, channels, nameof(runningVar));
        CheckLength(convBias, channels, nameof(convBias));
        CheckLength(bnWeight, channels, nameof(bnWeight));
        CheckLength(bnBias, channels, nameof(bnBias));
        if (convWeight.Length == 0 || convWeight.Length % channels != 0)
            throw new ArgumentException($"Convolution weight of {convWeight.Length} values does not split into {channels} output channels.", nameof(convWeight));
        if (!(eps >= 0)) throw new ArgumentOutOfRangeException(nameof(eps), eps, "ε must be non-negative.");

        int perChannel = convWeight.Length / channels;
        var weight = new float[convWeight.Length];
        var bias = new float[channels];
        for (int m = 0; m < channels; m++)
        {
            double variance = runningVar[m] + eps;
            if (!(variance > 0)) throw new ArgumentException($"running_var[{m}] + ε = {variance} is not positive.", nameof(runningVar));
            double scale = (bnWeight?[m] ?? 1.0) / Math.Sqrt(variance);
            int start = m * perChannel;
            for (int k = start; k < start + perChannel; k++) weight[k] = (float)(convWeight[k] * scale);
            bias[m] = (float)(((convBias?[m] ?? 0.0) - runningMean[m]) * scale + (bnBias?[m] ?? 0.0));
        }
        return new FoldedConvolution(weight, bias);
    }

    /// <summary>Folds BN parameters given as TorchSharp tensors (any device/dtype; copied to float32 on the CPU).</summary>
    /// <param name="convWeight">Convolution weight [M, C/group, kH, kW].</param>
    /// <param name="convBias">Convolution bias [M], or <see langword="null"/>.</param>
    /// <param name="bnWeight">BN γ [M], or <see langword="null"/> for a non-affine BN.</param>
    /// <param name="bnBias">BN β [M], or <see langword="null"/> for a non-affine BN.</param>
    /// <param name="runningMean">BN running mean [M].</param>
    /// <param name="runningVar">BN running variance [M].</param>
    /// <param name="eps">BN ε.</param>
    public static FoldedConvolution Fold(Tensor convWeight, Tensor? convBias, Tensor? bnWeight, Tensor? bnBias,
        Tensor runningMean, Tensor runningVar, double eps)
    {
        ArgumentNullException.ThrowIfNull(convWeight);
        ArgumentNullException.ThrowIfNull(runningMean);
        ArgumentNullException.ThrowIfNull(runningVar);
        if (convWeight.dim() < 1 || convWeight.shape[0] != runningMean.numel())
            throw new ArgumentException($"Convolution weight [{string.Join(", ", convWeight.shape)}] does not have {runningMean.numel()} output channels.", nameof(convWeight));
        return Fold(
            TorchTensorData.ToFloatArray(convWeight),
            convBias is null ? null : TorchTensorData.ToFloatArray(convBias),
            bnWeight is null ? null : TorchTensorData.ToFloatArray(bnWeight),
            bnBias is null ? null : TorchTensorData.ToFloatArray(bnBias),
            TorchTensorData.ToFloatArray(runningMean),
            TorchTensorData.ToFloatArray(runningVar),
            eps);
    }

    /// <summary>
    /// Folds a BatchNorm module (its running statistics, i.e. eval-mode behaviour; any subclass such as
    /// SplitBatchNorm2d) into the convolution module before it. The convolution's stride, padding, dilation and
    /// groups are unchanged and must be taken from <paramref name="conv"/>.
    /// </summary>
    /// <param name="conv">A (non-transposed) convolution whose output channels feed <paramref name="bn"/>.</param>
    /// <param name="bn">The BatchNorm; it must track running statistics.</param>
    public static FoldedConvolution Fold(Convolution conv, BatchNorm bn)
    {
        ArgumentNullException.ThrowIfNull(conv);
        ArgumentNullException.ThrowIfNull(bn);
        if (conv.transposed) throw new ArgumentException("Transposed convolutions cannot be folded by this helper.", nameof(conv));
        if (bn.running_mean is null || bn.running_var is null)
            throw new ArgumentException("The BatchNorm does not track running statistics, so it has no inference form to fold.", nameof(bn));
        if (conv.out_channels != bn.num_features)
            throw new ArgumentException($"The convolution has {conv.out_channels} output channels but the BatchNorm normalises {bn.num_features}.", nameof(bn));
        return Fold(conv.weight!, conv.bias, bn.weight, bn.bias, bn.running_mean, bn.running_var, bn.eps);
    }

    private static void CheckLength(float[]? values, int expected, string parameter)
    {
        if (values is not null && values.Length != expected)
            throw new ArgumentException($"{parameter} has {values.Length} values, expected {expected}.", parameter);
    }
}
