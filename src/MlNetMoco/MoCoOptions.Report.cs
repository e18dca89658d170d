using Microsoft.ML;
using MlNetMoco.Core.Training;

namespace MlNetMoco;

/// <summary>The training report ("does it help on my data?") and the progress lines of long epochs.</summary>
public sealed partial class MoCoOptions
{
    /// <summary>
    /// A label column that turns on the training report: at the end of every epoch the k-NN monitor (Wu et al. 2018)
    /// and a quick linear probe (<see cref="LinearProbe"/>: multinomial logistic regression, full-batch Adam, on
    /// standardised features) are measured on labelled rows, next to the same probe on raw pixels (measured once before
    /// training). The figures go to the epoch's log line (<see cref="Log"/> and <c>MLContext.Log</c>), to
    /// <see cref="Progress"/> (<see cref="TrainingProgress.Metrics"/>: "knn", "linear probe", "raw-pixel probe") and to
    /// <see cref="MoCoTransformer.Report"/>. Without <see cref="ValidationData"/> the labelled rows of Fit's input
    /// (rows whose label is missing — NaN, empty text, key 0 — are left out) are split by a seeded permutation: 80 % fit
    /// the probe (and are the k-NN memory bank), 20 % are held out. Any type that names a class: a key
    /// (<c>MapValueToKey</c>), text, an integer, a Boolean or a floating-point number. Fit fails before training,
    /// naming the column, when the column is missing or of another type. Training itself never reads the labels.
    /// Default null (no report).
    /// </summary>
    public string? LabelColumnName { get; set; }

    /// <summary>
    /// Labelled rows to score the report on, with the input column (<see cref="InputColumnName"/>, images of the
    /// training shape) and the label column (<see cref="LabelColumnName"/>, required). The probe is fitted on the
    /// labelled rows of Fit's input when it has the label column, else on 80 % of these rows. Fit fails before
    /// training, naming this setting, when a column is missing or has another type or shape. Default null.
    /// </summary>
    public IDataView? ValidationData { get; set; }

    /// <summary>
    /// Labelled rows the report uses at most, probe training and held-out rows together (chosen by a seeded
    /// permutation of <see cref="Seed"/>), so the report costs a few seconds per epoch. Default 5,000.
    /// </summary>
    public int ReportMaxRows { get; set; } = MoCoDefaults.ReportMaxRows;

    /// <summary>
    /// At most one progress line (epoch, step/steps, loss, images/s, ETA) goes to <see cref="Log"/> (and
    /// <c>MLContext.Log</c>) every this many seconds while an epoch runs; 0 writes only the epoch summaries.
    /// Default 30.
    /// </summary>
    public double LogIntervalSeconds { get; set; } = MoCoDefaults.LogIntervalSeconds;

    /// <summary>Checks the report settings (before any row is read).</summary>
    /// <exception cref="ArgumentException">A setting is out of range (the message names it).</exception>
    internal void ValidateReport()
    {
        if (LabelColumnName is not null && string.IsNullOrWhiteSpace(LabelColumnName))
            throw new ArgumentException("MoCoOptions.LabelColumnName is blank: expected null or a column name.", nameof(LabelColumnName));
        if (ValidationData is not null && LabelColumnName is null)
            throw new ArgumentException("MoCoOptions.ValidationData is set but MoCoOptions.LabelColumnName is null: name the label column of the validation rows.",
                nameof(ValidationData));
        if (ReportMaxRows < 4)
            throw new ArgumentException($"MoCoOptions.ReportMaxRows = {ReportMaxRows} is not valid: expected at least 4.", nameof(ReportMaxRows));
        if (!(LogIntervalSeconds >= 0) || double.IsInfinity(LogIntervalSeconds))
            throw new ArgumentException($"MoCoOptions.LogIntervalSeconds = {LogIntervalSeconds} is not valid: expected 0 or more seconds.", nameof(LogIntervalSeconds));
    }
}
