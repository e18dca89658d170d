using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetMoco.Demo.Reporting;

namespace MlNetMoco.Demo.Jobs;

/// <summary>
/// The FineTuneMoCo part of the sweep: a short calibration fit per cost class (frozen encoder, end to end) measures the
/// time per image-epoch, then each candidate
/// is cross-validated only when <see cref="FineTuneBudget"/> says it fits; the others are listed as skipped with the
/// reason.
/// </summary>
public static class SweepFineTuning
{
    /// <summary>Images of the one-epoch calibration fit.</summary>
    public const int CalibrationRows = 256;

    /// <summary>Runs the candidates that fit in <paramref name="budget"/> on <paramref name="labelled"/> (pixels and a text "Label").</summary>
    public static IReadOnlyList<LeaderboardRow> Run(MLContext ml, IDataView labelled, IReadOnlyList<SweepCandidate> candidates, FineTuneBudget budget,
        int folds, int seed, CancellationToken cancellationToken)
    {
        var rows = new List<LeaderboardRow>();
        long count = labelled.GetRowCount() ?? labelled.GetColumn<string>(SweepCandidates.Label).LongCount();
        int trainRowsPerFold = (int)(count * (folds - 1) / folds);
        Console.WriteLine($"FineTuneMoCo candidates: budget {FineTuneBudget.Format(budget.Budget)} (--finetune-budget) for {candidates.Count} candidates × {folds} folds.");
        if (budget.Budget <= TimeSpan.Zero || candidates.Count == 0)
            return candidates.Select(c => Skipped(c, "budget is 0")).ToList();

        foreach (var candidate in candidates)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (budget.SecondsPerImageEpoch(candidate.CostClass) is null)
                Calibrate(ml, labelled, candidate, budget, cancellationToken);
            var estimate = budget.Estimate(candidate.CostClass, candidate.Epochs, trainRowsPerFold, folds)!.Value;
            if (!budget.Fits(estimate))
            {
                string reason = $"needs ~{FineTuneBudget.Format(estimate)}, {FineTuneBudget.Format(budget.Left)} left";
                Console.WriteLine($"  {candidate.Name}: skipped ({reason}).");
                rows.Add(Skipped(candidate, reason));
                continue;
            }
            Console.WriteLine($"  {candidate.Name}: estimated {FineTuneBudget.Format(estimate)}, {FineTuneBudget.Format(budget.Left)} left.");
            var row = ConsoleProgress.Stage($"Cross-validating {candidate.Name}", _ => SweepCrossValidation.Run(ml, labelled, candidate, folds, seed));
            budget.Record(candidate.CostClass, row.Wall, (double)candidate.Epochs * trainRowsPerFold * folds);
            rows.Add(row);
            Console.WriteLine(SweepCrossValidation.Line(row));
        }
        Console.WriteLine($"Fine-tuning used {FineTuneBudget.Format(budget.Spent)} of {FineTuneBudget.Format(budget.Budget)}.");
        return rows;
    }

    private static void Calibrate(MLContext ml, IDataView labelled, SweepCandidate candidate, FineTuneBudget budget, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var rows = ml.Data.TakeRows(labelled, CalibrationRows);
        long n = rows.GetColumn<string>(SweepCandidates.Label).LongCount();
        var clock = Stopwatch.StartNew();
        var estimator = ml.Transforms.Conversion.MapValueToKey(SweepCandidates.Label).Append(candidate.Create(ml));
        var model = estimator.Fit(rows);
        (model as IDisposable)?.Dispose();
        // The candidate's own epochs ran on n rows: seconds per image-epoch includes its fixed costs, so estimates err high.
        budget.Record(candidate.CostClass, clock.Elapsed, (double)candidate.Epochs * n);
        Console.WriteLine($"  Calibration ({candidate.CostClass}): {candidate.Epochs} epochs on {n} rows in {FineTuneBudget.Format(clock.Elapsed)} " +
            $"({1e3 * budget.SecondsPerImageEpoch(candidate.CostClass):F2} ms per image-epoch).");
    }

    private static LeaderboardRow Skipped(SweepCandidate candidate, string reason) =>
        new(candidate.Trainer, candidate.Settings, [], [], TimeSpan.Zero, reason);
}
