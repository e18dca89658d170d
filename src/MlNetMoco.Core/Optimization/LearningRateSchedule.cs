using MlNetMoco.Core.Training;

namespace MlNetMoco.Core.Optimization;

/// <summary>
/// The learning rate of each step, as facebookresearch/moco's <c>adjust_learning_rate</c> (set per epoch), with an
/// optional linear warm-up that rises per step.
/// </summary>
public static class LearningRateSchedule
{
    /// <summary>The learning rate of step <paramref name="step"/> of epoch <paramref name="epoch"/> (both 0-based).</summary>
    public static double At(PretrainOptions options, int epoch, int step, int stepsPerEpoch)
    {
        double lr = options.ScaledLearningRate;
        int warmup = options.WarmupEpochs;
        if (epoch < warmup)
            return lr * (epoch * (double)stepsPerEpoch + step + 1) / (warmup * (double)stepsPerEpoch);

        int epochs = options.Epochs;
        return options.EffectiveSchedule switch
        {
            // MoCo v2: lr · ½(1 + cos(π·epoch/epochs)), counted from the end of the warm-up.
            LearningRateScheduleKind.Cosine => lr * 0.5 * (1 + Math.Cos(Math.PI * (epoch - warmup) / (epochs - warmup))),
            // MoCo v1: ×0.1 at 60% and 80% of training (epochs 120 and 160 of 200).
            _ => lr * Math.Pow(0.1, StepMilestones(epochs).Count(m => epoch >= m)),
        };
    }

    /// <summary>The epochs at which the step schedule divides the rate by 10: 60% and 80% of <paramref name="epochs"/>.</summary>
    public static int[] StepMilestones(int epochs) => new[] { (int)Math.Round(0.6 * epochs), (int)Math.Round(0.8 * epochs) };
}
