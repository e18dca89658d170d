namespace MlNetMoco.Core.Optimization;

/// <summary>The learning-rate schedule of training (after the optional linear warm-up).</summary>
public enum LearningRateScheduleKind
{
    /// <summary>Multiply by 0.1 at 60% and 80% of the epochs (MoCo v1, from 120/160 of 200 epochs), set per epoch.</summary>
    Step,

    /// <summary>Half-period cosine from the base rate to 0 over the epochs, set per epoch (MoCo v2's <c>adjust_learning_rate</c>).</summary>
    Cosine,

    /// <summary>Half-period cosine from the base rate to 0, set per step from the fractional epoch (MoCo v3; supervised training).</summary>
    CosinePerStep,

    /// <summary>The base rate throughout.</summary>
    Constant,
}
