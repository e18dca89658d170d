using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Normalization;

/// <summary>
/// BatchNorm's training-mode step with every Scalar held (see <see cref="HeldScalars"/>): counts the batch in
/// <c>num_batches_tracked</c>, takes the momentum (or the cumulative average's 1/count when momentum is null, as torch
/// does) and lets the kernel normalise with the batch statistics and update the running ones in place. TorchSharp's own
/// <c>BatchNorm.forward</c> makes a temporary Scalar here, which a finaliser may free during the native call.
/// </summary>
internal static class HeldBatchNormTraining
{
    /// <summary>One training step of <paramref name="norm"/> on <paramref name="input"/>.</summary>
    public static Tensor Forward(BatchNorm norm, Tensor input)
    {
        var batchesTracked = norm.num_batches_tracked!;
        using (no_grad())
            batchesTracked.add_(HeldScalars.OneInt64, HeldScalars.OneInt64);
        double factor = norm.momentum ?? 1.0 / batchesTracked.item<long>();
        return nn.functional.batch_norm(input, norm.running_mean!, norm.running_var!, norm.weight, norm.bias, training: true, momentum: factor, eps: norm.eps);
    }
}
