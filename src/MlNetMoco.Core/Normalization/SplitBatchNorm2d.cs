using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Normalization;

/// <summary>
/// BatchNorm whose training-mode statistics are computed over <see cref="NumSplits"/> sub-batches, as the
/// <c>SplitBatchNorm</c> of facebookresearch's MoCo CIFAR demo: it simulates the per-GPU BatchNorm of multi-GPU
/// training on one device, which Shuffling BN (He et al. 2019, §3.3) relies on.
/// </summary>
/// <remarks>
/// <para>
/// Training mode views the N×C×H×W input as (N/S)×(C·S)×H×W and normalises it with the weight, bias and running
/// statistics repeated S times; the S copies of the running statistics are then averaged back into the shared
/// buffers. Sub-batch k therefore holds samples k, k+S, k+2S, … of the batch (the layout of the reference
/// implementation), and the batch size must be a multiple of S.
/// </para>
/// <para>
/// Evaluation mode is ordinary batch norm with the shared running statistics (any batch size). With one split
/// the module behaves exactly like <see cref="torch.nn.BatchNorm2d"/>. Parameters and buffers carry BatchNorm2d's
/// names (<c>weight</c>, <c>bias</c>, <c>running_mean</c>, <c>running_var</c>, <c>num_batches_tracked</c>), so
/// checkpoints interoperate with plain BatchNorm2d and with PyTorch.
/// </para>
/// </remarks>
public sealed class SplitBatchNorm2d : BatchNorm
{
    /// <summary>Creates a split batch norm over <paramref name="numFeatures"/> channels.</summary>
    /// <param name="numFeatures">Number of channels C of the N×C×H×W input.</param>
    /// <param name="numSplits">Number of sub-batches S whose statistics are computed separately in training mode (≥ 1).</param>
    /// <param name="eps">Value added to the variance for numerical stability. Default 1e-5.</param>
    /// <param name="momentum">Weight of the current batch in the running statistics. Default 0.1.</param>
    /// <param name="device">Device of the parameters and buffers; null takes the default device.</param>
    /// <param name="dtype">Element type of the parameters and buffers; null takes the default type.</param>
    public SplitBatchNorm2d(long numFeatures, int numSplits, double eps = 1e-5, double momentum = 0.1, Device? device = null, ScalarType? dtype = null)
        : base(CheckFeatures(numFeatures, numSplits), eps, momentum, affine: true, track_running_stats: true, device, dtype, nameof(SplitBatchNorm2d))
    {
        NumSplits = numSplits;
        RegisterComponents();
    }

    /// <summary>Number of sub-batches S whose statistics are computed separately in training mode.</summary>
    public int NumSplits { get; }

    /// <summary>
    /// The norm layer a backbone uses: a <see cref="SplitBatchNorm2d"/> with <paramref name="numSplits"/> splits. With
    /// one split it computes what <see cref="torch.nn.BatchNorm2d"/> computes, but its training step holds the
    /// Scalar of the <c>num_batches_tracked</c> increment (TorchSharp's BatchNorm passes a temporary that a
    /// finaliser can release during the native call).
    /// </summary>
    /// <param name="numFeatures">Number of channels.</param>
    /// <param name="numSplits">Number of BatchNorm sub-batches (≥ 1).</param>
    public static BatchNorm Create(long numFeatures, int numSplits) => new SplitBatchNorm2d(numFeatures, numSplits);

    /// <summary>Normalises <paramref name="input"/> (N×C×H×W); see the class remarks for the training-mode statistics.</summary>
    /// <exception cref="ArgumentException">The input is not 4-D, has the wrong number of channels, or (training mode) its batch size is not a multiple of <see cref="NumSplits"/>.</exception>
    public override Tensor forward(Tensor input)
    {
        ValidateInputDimensions(input);
        if (!training)
            return base.forward(input);
        if (NumSplits == 1)
            return HeldBatchNormTraining.Forward(this, input);

        long n = input.shape[0], c = input.shape[1], h = input.shape[2], w = input.shape[3];
        int s = NumSplits;
        if (n % s != 0)
            throw new ArgumentException(
                $"SplitBatchNorm2d in training mode needs a batch size divisible by the number of BatchNorm splits: got a batch of {n} with {s} splits. Use a batch size that is a multiple of {s}.",
                nameof(input));

        var runningMean = running_mean!;
        var runningVar = running_var!;
        var batchesTracked = num_batches_tracked!;
        using (no_grad())
            batchesTracked.add_(HeldScalars.OneInt64, HeldScalars.OneInt64); // held Scalars: add_(1) makes temporaries
        double factor = momentum ?? 1.0 / batchesTracked.item<long>();

        using var scope = NewDisposeScope();
        var meanSplit = runningMean.repeat(s);
        var varSplit = runningVar.repeat(s);
        var output = nn.functional.batch_norm(
            input.reshape(n / s, c * s, h, w), meanSplit, varSplit, weight.repeat(s), bias!.repeat(s),
            training: true, momentum: factor, eps: eps).view(n, c, h, w);
        using (no_grad())
        {
            runningMean.copy_(meanSplit.view(s, c).mean([0L]));
            runningVar.copy_(varSplit.view(s, c).mean([0L]));
        }
        return output.MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    protected override void ValidateInputDimensions(Tensor input)
    {
        if (input.ndim != 4)
            throw new ArgumentException($"SplitBatchNorm2d expects a 4-D N×C×H×W input, but got {input.ndim}-D input.", nameof(input));
        if (input.shape[1] != num_features)
            throw new ArgumentException($"SplitBatchNorm2d expects {num_features} channels, but the input has {input.shape[1]}.", nameof(input));
    }

    private static long CheckFeatures(long numFeatures, int numSplits)
    {
        if (numFeatures < 1)
            throw new ArgumentOutOfRangeException(nameof(numFeatures), numFeatures, "The number of channels must be at least 1.");
        if (numSplits < 1)
            throw new ArgumentOutOfRangeException(nameof(numSplits), numSplits, "The number of BatchNorm splits must be at least 1.");
        return numFeatures;
    }
}
