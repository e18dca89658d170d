namespace MlNetMoco.Core.Training;

/// <summary>A progress report of training, sent after every step and at the end of every epoch.</summary>
/// <param name="Epoch">Zero-based epoch.</param>
/// <param name="Epochs">Total number of epochs.</param>
/// <param name="Step">Zero-based step within the epoch.</param>
/// <param name="StepsPerEpoch">Steps in one epoch.</param>
/// <param name="Loss">The method's loss of the step, e.g. InfoNCE (or the epoch mean when <paramref name="EndOfEpoch"/>).</param>
/// <param name="LearningRate">The scheduled learning rate of the step (groups may scale it).</param>
/// <param name="ContrastiveAccuracy">
/// The method's accuracy on the batch: MoCo's (K+1)-way top-1 accuracy of the positive key, the training accuracy of
/// supervised training (epoch mean when <paramref name="EndOfEpoch"/>); NaN when the method has none.
/// </param>
/// <param name="ImagesPerSecond">Throughput since the start of the epoch.</param>
/// <param name="Eta">Estimated time to the end of training.</param>
/// <param name="EndOfEpoch">True for the report that closes an epoch.</param>
/// <param name="KnnAccuracy">k-NN monitor accuracy on the held-out set (end of epoch, when a <see cref="KnnEvaluator"/> runs): the metric "knn".</param>
/// <param name="EmbeddingStd">Collapse metric: mean per-dimension std of the L2-normalised projections, ≈ 1/√dim when healthy, → 0 on collapse (end of epoch, methods with embeddings).</param>
public sealed record TrainingProgress(
    int Epoch,
    int Epochs,
    int Step,
    int StepsPerEpoch,
    double Loss,
    double LearningRate,
    double ContrastiveAccuracy,
    double ImagesPerSecond,
    TimeSpan Eta,
    bool EndOfEpoch = false,
    double? KnnAccuracy = null,
    double? EmbeddingStd = null)
{
    private static readonly IReadOnlyDictionary<string, double> None = new Dictionary<string, double>();

    /// <summary>The metrics of the epoch evaluators (<see cref="IEpochEvaluator"/>) by name, at the end of an epoch; empty otherwise.</summary>
    public IReadOnlyDictionary<string, double> Metrics { get; init; } = None;
}
