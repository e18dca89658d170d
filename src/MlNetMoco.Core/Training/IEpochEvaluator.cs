namespace MlNetMoco.Core.Training;

/// <summary>
/// An evaluation the loop runs at the end of every epoch, its encoder in evaluation mode: the k-NN monitor
/// (<see cref="KnnEvaluator"/>); next a quick linear probe on a labelled hold-out, or validation-based early stopping
/// with best-weights restore for fine-tuning. Its named metrics go into the epoch's <see cref="TrainingProgress.Metrics"/>
/// and its log line; it may ask training to stop.
/// </summary>
public interface IEpochEvaluator
{
    /// <summary>Evaluates the encoder after an epoch.</summary>
    /// <param name="context">The encoder (eval mode, on the training device), its normalisation, the epoch and the metrics so far.</param>
    EpochEvaluation Evaluate(EvaluationContext context);

    /// <summary>
    /// Called once after the last epoch run (or the one an evaluator stopped at), before the encoder is exported: e.g.
    /// to copy the best weights seen back into <see cref="EvaluationContext.Encoder"/>. Default: nothing.
    /// </summary>
    /// <param name="context">As for <see cref="Evaluate"/>, for the last epoch run.</param>
    void TrainingEnded(EvaluationContext context)
    {
    }
}
