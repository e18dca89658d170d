namespace MlNetMoco.Core.Training;

/// <summary>What an <see cref="IEpochEvaluator"/> found after an epoch.</summary>
/// <param name="Metrics">Named values, e.g. "knn" → 0.73 (names must not clash between evaluators).</param>
public sealed record EpochEvaluation(IReadOnlyDictionary<string, double> Metrics)
{
    /// <summary>Whether training should stop after this epoch (a checkpoint is written first). Default false.</summary>
    public bool StopTraining { get; init; }

    /// <summary>Why, for the log and <see cref="TrainingResult.StopReason"/> (e.g. "validation accuracy did not improve for 5 epochs").</summary>
    public string? StopReason { get; init; }
}
