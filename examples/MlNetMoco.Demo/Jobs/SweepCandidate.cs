using Microsoft.ML;

namespace MlNetMoco.Demo.Jobs;

/// <summary>One trainer with one setting of its hyperparameters, cross-validated by the sweep command.</summary>
/// <param name="Trainer">The trainer's name, e.g. "LbfgsMaximumEntropy".</param>
/// <param name="Settings">Its hyperparameters as shown in the leaderboard, e.g. "L2=1, L1=0".</param>
/// <param name="Create">
/// The estimator: it reads a key label column and either the cached "Features" (frozen-feature trainers) or the
/// "Pixels" column (<see cref="FineTune"/>), and produces Score and PredictedLabel.
/// </param>
/// <param name="FineTune">True for FineTuneMoCo candidates: they train the encoder on pixels and run only within the fine-tune time budget.</param>
/// <param name="Epochs">Fine-tuning epochs (the budget rule's cost unit); 0 for frozen-feature trainers.</param>
public sealed record SweepCandidate(string Trainer, string Settings, Func<MLContext, IEstimator<ITransformer>> Create, bool FineTune = false, int Epochs = 0)
{
    /// <summary>
    /// What the candidate's time per image-epoch depends on, for <see cref="FineTuneBudget"/>: "frozen encoder" (no
    /// backward pass through the backbone) or "end to end"; empty for frozen-feature trainers. Default "end to end" for
    /// fine-tuning candidates.
    /// </summary>
    public string CostClass { get; init; } = FineTune ? EndToEnd : "";

    /// <summary>The cost class of candidates that train the backbone.</summary>
    public const string EndToEnd = "end to end";

    /// <summary>The cost class of candidates that train the classifier on a frozen backbone.</summary>
    public const string FrozenEncoder = "frozen encoder";

    /// <summary>"Trainer (Settings)".</summary>
    public string Name => $"{Trainer} ({Settings})";
}
