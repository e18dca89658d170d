namespace MlNetMoco.Core.Training;

/// <summary>Where a training step sits in the run.</summary>
/// <param name="Epoch">Zero-based epoch.</param>
/// <param name="Step">Zero-based step within the epoch.</param>
/// <param name="StepsPerEpoch">Steps in every epoch.</param>
/// <param name="Epochs">Epochs of the run.</param>
/// <param name="GlobalStep">Zero-based step counted from the start of training (resumed runs included).</param>
public readonly record struct TrainingPosition(int Epoch, int Step, int StepsPerEpoch, int Epochs, long GlobalStep)
{
    /// <summary>Steps of the whole run.</summary>
    public long TotalSteps => (long)StepsPerEpoch * Epochs;

    /// <summary>Fraction of training done before this step, in [0, 1) (0 at the first step), for schedules such as MoCo v3's momentum.</summary>
    public double Progress => TotalSteps == 0 ? 0 : (double)GlobalStep / TotalSteps;
}
