using MlNetMoco.Core.Inference;

namespace MlNetMoco.Core.Training;

/// <summary>The outcome of <see cref="Trainer.Run"/>.</summary>
/// <param name="Encoder">The trained online encoder (backbone and head) ready for feature extraction.</param>
/// <param name="History">One end-of-epoch report per epoch run (resumed runs list only the epochs they ran).</param>
public sealed record TrainingResult(TrainedEncoder Encoder, IReadOnlyList<TrainingProgress> History) : IDisposable
{
    /// <summary>Why training stopped before its last epoch (an evaluator asked), or null when it ran to the end.</summary>
    public string? StopReason { get; init; }

    /// <inheritdoc />
    public void Dispose() => Encoder.Dispose();
}
