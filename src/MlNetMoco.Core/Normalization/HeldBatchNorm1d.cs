using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Normalization;

/// <summary>
/// <c>nn.BatchNorm1d</c> (ε = 1e-5, momentum 0.1, running statistics, optional affine parameters) whose training step
/// makes no temporary <see cref="Scalar"/>: TorchSharp's own <c>BatchNorm.forward</c> increments
/// <c>num_batches_tracked</c> with one, which a garbage collection may free during the native call (see
/// <see cref="HeldScalars"/>). The heads of MoCo v3's projector and predictor train through it every step. Tensor names
/// are torch's (<c>weight</c>, <c>bias</c>, <c>running_mean</c>, <c>running_var</c>, <c>num_batches_tracked</c>);
/// evaluation mode is TorchSharp's.
/// </summary>
public sealed class HeldBatchNorm1d : BatchNorm
{
    /// <summary>Creates the layer.</summary>
    /// <param name="numFeatures">Number of features C of the N×C input (at least 1).</param>
    /// <param name="affine">Whether it has a learned scale and shift. Default true; false for MoCo v3's last projector layer.</param>
    public HeldBatchNorm1d(long numFeatures, bool affine = true)
        : base(numFeatures >= 1 ? numFeatures : throw new ArgumentOutOfRangeException(nameof(numFeatures), numFeatures, "The number of features must be at least 1."),
            1e-5, 0.1, affine, track_running_stats: true, null, null, nameof(HeldBatchNorm1d))
    {
        RegisterComponents();
    }

    /// <summary>Normalises an N×C batch: batch statistics in training (updating the running ones), running statistics in evaluation.</summary>
    /// <param name="input">N×C features.</param>
    public override Tensor forward(Tensor input)
    {
        ValidateInputDimensions(input);
        return training ? HeldBatchNormTraining.Forward(this, input) : base.forward(input);
    }

    /// <inheritdoc />
    protected override void ValidateInputDimensions(Tensor input)
    {
        if (input.ndim != 2)
            throw new ArgumentException($"HeldBatchNorm1d expects a 2-D N×C input, but got {input.ndim}-D input.", nameof(input));
        if (input.shape[1] != num_features)
            throw new ArgumentException($"HeldBatchNorm1d expects {num_features} features, but the input has {input.shape[1]}.", nameof(input));
    }
}
