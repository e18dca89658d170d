namespace MlNetMoco.Core.Optimization;

/// <summary>The learning-rate schedule of pretraining.</summary>
public enum LearningRateScheduleKind
{
    /// <summary>Multiply by 0.1 at 60% and 80% of the epochs (MoCo v1, from 120/160 of 200 epochs).</summary>
    Step,

    /// <summary>Half-period cosine from the base rate to 0 over the epochs (MoCo v2).</summary>
    Cosine,
}
