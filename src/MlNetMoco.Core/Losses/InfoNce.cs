using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Losses;

/// <summary>
/// InfoNCE (van den Oord et al. 2018) as used by MoCo (He et al. 2019, Eq. 1): for each query q with positive
/// key k₊ and negatives from the queue, logits = [q·k₊, q·queue] / T and the loss is the cross-entropy against
/// index 0, i.e. −log exp(q·k₊/T) / Σ exp(q·kᵢ/T).
/// </summary>
public static class InfoNce
{
    /// <summary>
    /// The (K+1)-way logits, N×(1+K): column 0 is the positive.
    /// </summary>
    /// <param name="queries">N×D L2-normalised queries.</param>
    /// <param name="positiveKeys">N×D L2-normalised positive keys (no gradient expected).</param>
    /// <param name="negatives">D×K L2-normalised negative keys (the queue; MoCo stores it transposed).</param>
    /// <param name="temperature">Softmax temperature T (MoCo v1 0.07, v2 0.2).</param>
    public static Tensor Logits(Tensor queries, Tensor positiveKeys, Tensor negatives, double temperature)
    {
        using var scope = NewDisposeScope();
        var positive = (queries * positiveKeys).sum(1, keepdim: true);
        var negative = queries.mm(negatives);
        using var t = temperature.ToScalar(); // held: an implicit Scalar temporary may be finalised during the call
        return torch.cat(new[] { positive, negative }, 1).div_(t).MoveToOuterDisposeScope();
    }

    /// <summary>Mean cross-entropy of <paramref name="logits"/> against class 0.</summary>
    public static Tensor Loss(Tensor logits)
    {
        using var targets = zeros(logits.shape[0], dtype: ScalarType.Int64, device: logits.device);
        return nn.functional.cross_entropy(logits, targets);
    }

    /// <summary>Fraction of rows whose largest logit is the positive (the (K+1)-way top-1 accuracy).</summary>
    public static double TopOneAccuracy(Tensor logits)
    {
        using var scope = NewDisposeScope();
        return logits.argmax(1).eq(HeldScalars.ZeroInt64).to_type(ScalarType.Float32).mean().item<float>();
    }
}
