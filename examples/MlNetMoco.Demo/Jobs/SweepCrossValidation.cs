using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using MlNetMoco.Demo.Reporting;

namespace MlNetMoco.Demo.Jobs;

/// <summary>One candidate's k-fold <c>MulticlassClassification.CrossValidate</c>: MapValueToKey on the label, then the candidate.</summary>
public static class SweepCrossValidation
{
    /// <summary>Cross-validates <paramref name="candidate"/> on <paramref name="data"/> (text "Label" column) and returns its row.</summary>
    public static LeaderboardRow Run(MLContext ml, IDataView data, SweepCandidate candidate, int folds, int seed)
    {
        var clock = Stopwatch.StartNew();
        var pipeline = ml.Transforms.Conversion.MapValueToKey(SweepCandidates.Label).Append(candidate.Create(ml));
        var results = ml.MulticlassClassification.CrossValidate(data, pipeline, folds, SweepCandidates.Label, seed: seed);
        var macro = results.Select(r => r.Metrics.MacroAccuracy).ToList();
        var micro = results.Select(r => r.Metrics.MicroAccuracy).ToList();
        foreach (var r in results) (r.Model as IDisposable)?.Dispose();
        return new LeaderboardRow(candidate.Trainer, candidate.Settings, macro, micro, clock.Elapsed);
    }

    /// <summary>The progress line printed after a candidate.</summary>
    public static string Line(LeaderboardRow row)
    {
        var (macro, macroStd) = LeaderboardRow.MeanStd(row.MacroAccuracy);
        var (micro, microStd) = LeaderboardRow.MeanStd(row.MicroAccuracy);
        return string.Create(CultureInfo.InvariantCulture,
            $"  {row.Trainer} ({row.Settings}): macro {100 * macro:F1}% ± {100 * macroStd:F1}, micro {100 * micro:F1}% ± {100 * microStd:F1}, {FineTuneBudget.Format(row.Wall)}");
    }
}
