namespace MlNetMoco.Demo.Reporting;

/// <summary>One cross-validated candidate of the sweep: per-fold test accuracies and wall time, or why it did not run.</summary>
/// <param name="Trainer">The trainer, e.g. "LightGbm".</param>
/// <param name="Settings">Its hyperparameters.</param>
/// <param name="MacroAccuracy">Macro accuracy of each fold, in [0, 1] (empty when skipped).</param>
/// <param name="MicroAccuracy">Micro accuracy of each fold, in [0, 1] (empty when skipped).</param>
/// <param name="Wall">Wall time of the whole cross-validation.</param>
/// <param name="Skipped">Why the candidate did not run, or null.</param>
public sealed record LeaderboardRow(string Trainer, string Settings, IReadOnlyList<double> MacroAccuracy, IReadOnlyList<double> MicroAccuracy,
    TimeSpan Wall, string? Skipped = null)
{
    /// <summary>Mean and sample standard deviation (n − 1; 0 for one value) of <paramref name="values"/>.</summary>
    public static (double Mean, double Std) MeanStd(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0) return (double.NaN, double.NaN);
        double mean = values.Average();
        double std = values.Count > 1 ? Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1)) : 0;
        return (mean, std);
    }

    /// <summary>Mean macro accuracy (NaN when skipped): the leaderboard's order.</summary>
    public double MeanMacro => MeanStd(MacroAccuracy).Mean;
}
