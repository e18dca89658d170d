using System.Globalization;
using MlNetMoco.Core.Training;

namespace MlNetMoco;

/// <summary>
/// The training report of a Fit with labels (<see cref="MoCoOptions.LabelColumnName"/>): per epoch, the k-NN monitor
/// and a quick linear probe (<see cref="LinearProbe"/>) on the encoder's features, next to the same probe on raw
/// pixels, all scored on the same held-out rows. Kept on <see cref="MoCoTransformer.Report"/> (not saved with the model).
/// </summary>
/// <param name="Epochs">One entry per epoch run, in order.</param>
/// <param name="RawPixelProbeAccuracy">The probe's held-out accuracy on raw pixels (images larger than 32 px a side area-averaged to 32), in [0, 1].</param>
/// <param name="ProbeTrainingRows">Labelled rows the probe was fitted on (also the k-NN memory bank).</param>
/// <param name="HeldOutRows">Labelled rows the accuracies are measured on.</param>
/// <param name="ClassCount">Number of classes among those rows.</param>
/// <param name="HeldOutSource">Where the held-out rows come from: "Fit's input" (a seeded 20 % split) or "ValidationData".</param>
public sealed record MoCoReport(
    IReadOnlyList<MoCoReportEpoch> Epochs,
    double RawPixelProbeAccuracy,
    int ProbeTrainingRows,
    int HeldOutRows,
    int ClassCount,
    string HeldOutSource)
{
    /// <summary>Labelled rows used in all (probe training and held out), at most <see cref="MoCoOptions.ReportMaxRows"/>.</summary>
    public int RowsUsed => ProbeTrainingRows + HeldOutRows;

    /// <summary>The probe's held-out accuracy on the features after the last epoch, or null when no epoch ran.</summary>
    public double? ProbeAccuracy => Epochs.Count > 0 ? Epochs[^1].ProbeAccuracy : null;

    /// <summary>The k-NN accuracy after the last epoch, or null.</summary>
    public double? KnnAccuracy => Epochs.Count > 0 ? Epochs[^1].KnnAccuracy : null;

    /// <summary>"Report: linear probe 81.2% on the MoCo features vs 78.5% on raw pixels (k-NN 73.1%), 800 held-out rows (Fit's input), 10 classes."</summary>
    public override string ToString()
    {
        string features = ProbeAccuracy is { } probe ? $"{100 * probe:F1}%" : "n/a";
        string knn = KnnAccuracy is { } k ? $" (k-NN {100 * k:F1}%)" : "";
        return string.Create(CultureInfo.InvariantCulture,
            $"Report: linear probe {features} on the MoCo features vs {100 * RawPixelProbeAccuracy:F1}% on raw pixels{knn}, " +
            $"{HeldOutRows:N0} held-out rows ({HeldOutSource}), probe fitted on {ProbeTrainingRows:N0}, {ClassCount} classes.");
    }

    /// <summary>The report of a run's history (the metrics of <see cref="LinearProbeEvaluator"/> and <see cref="KnnEvaluator"/>).</summary>
    internal static MoCoReport From(IReadOnlyList<TrainingProgress> history, double rawPixelAccuracy, KnnMonitorData data, string heldOutSource) =>
        new(history.Select(p => new MoCoReportEpoch(p.Epoch,
                p.Metrics.TryGetValue(LinearProbeEvaluator.MetricName, out double probe) ? probe : double.NaN,
                p.Metrics.TryGetValue(KnnEvaluator.MetricName, out double knn) ? knn : null)).ToArray(),
            rawPixelAccuracy, data.Train.Count, data.Test.Count, data.ClassCount, heldOutSource);
}
