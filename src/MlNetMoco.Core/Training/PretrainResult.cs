using MlNetMoco.Core.Inference;

namespace MlNetMoco.Core.Training;

/// <summary>The outcome of <see cref="Pretrainer.Run"/>.</summary>
/// <param name="Encoder">The trained query encoder (backbone and projection head) ready for feature extraction.</param>
/// <param name="History">One end-of-epoch report per epoch run (resumed runs list only the epochs they ran).</param>
public sealed record PretrainResult(TrainedEncoder Encoder, IReadOnlyList<TrainingProgress> History) : IDisposable
{
    /// <inheritdoc />
    public void Dispose() => Encoder.Dispose();
}
