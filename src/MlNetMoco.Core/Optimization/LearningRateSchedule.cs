using MlNetMoco.Core.Training;

namespace MlNetMoco.Core.Optimization;

/// <summary>
/// The learning rate of each step, as facebookresearch/moco's <c>adjust_learning_rate</c> (set per epoch) or
/// moco-v3's (per step), with an optional linear warm-up that rises per step.
/// </summary>
public static class LearningRateSchedule
{
    /// <summary>The learning rate of step <paramref name="step"/> of epoch <paramref name="epoch"/> (both 0-based).</summary>
    /// <param name="options">The run's rate (<see cref="TrainingOptions.ScaledLearningRate"/>), schedule, warm-up and epochs.</param>
    /// <param name="epoch">Zero-based epoch.</param>
    /// <param name="step">Zero-based step within the epoch.</param>
    /// <param name="stepsPerEpoch">Steps per epoch.</param>
    public static double At(TrainingOptions options, int epoch, int step, int stepsPerEpoch)
    {
        ArgumentNullException.ThrowIfNull(options);
        double lr = options.ScaledLearningRate;
        int warmup = options.WarmupEpochs;
        if (epoch < warmup)
            return lr * (epoch * (double)stepsPerEpoch + step + 1) / (warmup * (double)stepsPerEpoch);

        int epochs = options.Epochs;
        return options.EffectiveSchedule switch
        {
            // MoCo v2: lr · ½(1 + cos(π·epoch/epochs)), counted from the end of the warm-up.
            LearningRateScheduleKind.Cosine => lr * 0.5 * (1 + Math.Cos(Math.PI * (epoch - warmup) / (epochs - warmup))),
            // MoCo v3: the same with the fractional epoch epoch + step/stepsPerEpoch.
            LearningRateScheduleKind.CosinePerStep =>
                lr * 0.5 * (1 + Math.Cos(Math.PI * (epoch + step / (double)stepsPerEpoch - warmup) / (epochs - warmup))),
            LearningRateScheduleKind.Constant => lr,
            // MoCo v1: ×0.1 at 60% and 80% of training (epochs 120 and 160 of 200).
            _ => lr * Math.Pow(0.1, StepMilestones(epochs).Count(m => epoch >= m)),
        };
    }

    /// <summary>The epochs at which the step schedule divides the rate by 10: 60% and 80% of <paramref name="epochs"/>.</summary>
    /// <param name="epochs">Epochs of the run.</param>
    public static int[] StepMilestones(int epochs) => new[] { (int)Math.Round(0.6 * epochs), (int)Math.Round(0.8 * epochs) };
}
