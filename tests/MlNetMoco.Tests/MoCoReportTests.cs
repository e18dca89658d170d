using Microsoft.ML;
using MlNetMoco.Core.Training;
using MlNetMoco.Tests.Reporting;
using MlNetMoco.Tests.TestSupport;

namespace MlNetMoco.Tests;

/// <summary>The training report of a Fit with labels: log, MLContext.Log, IProgress and <see cref="MoCoTransformer.Report"/>.</summary>
public class MoCoReportTests
{
    [Fact]
    public void Fit_with_a_label_column_reports_each_epoch_everywhere_and_keeps_the_report()
    {
        var ml = new MLContext(seed: 1);
        var channel = new List<string>();
        ml.Log += (_, e) => { lock (channel) channel.Add(e.Message); };
        var lines = new List<string>();
        var epochs = new List<TrainingProgress>();
        var options = TestOptions.Tiny(epochs: 2);
        options.LabelColumnName = nameof(ReportRow.Kind);
        options.Log = lines.Add;
        options.Progress = new SyncProgress<TrainingProgress>(p => { if (p.EndOfEpoch) epochs.Add(p); });
        var data = ml.Data.LoadFromEnumerable(ReportRows.Create(64));

        using var moco = new MoCoEstimator(ml, options).Fit(data);

        var report = moco.Report;
        Assert.NotNull(report);
        Assert.Equal((51, 13, 64, 2, "Fit's input"), (report.ProbeTrainingRows, report.HeldOutRows, report.RowsUsed, report.ClassCount, report.HeldOutSource));
        Assert.Equal(2, report.Epochs.Count);
        Assert.True(report.RawPixelProbeAccuracy >= 0.9, $"raw-pixel probe {report.RawPixelProbeAccuracy}"); // the halves are linearly separable
        Assert.Equal(2, epochs.Count);
        for (int e = 0; e < 2; e++)
        {
            var metrics = epochs[e].Metrics;
            Assert.Equal(report.Epochs[e].ProbeAccuracy, metrics[LinearProbeEvaluator.MetricName]);
            Assert.Equal(report.Epochs[e].KnnAccuracy, metrics[KnnEvaluator.MetricName]);
            Assert.Equal(report.RawPixelProbeAccuracy, metrics[LinearProbeEvaluator.RawPixelsMetricName]);
            Assert.InRange(metrics[LinearProbeEvaluator.MetricName], 0, 1);
            Assert.Equal(metrics[KnnEvaluator.MetricName], epochs[e].KnnAccuracy);
        }
        Assert.Equal(report.Epochs[^1].ProbeAccuracy, report.ProbeAccuracy);

        var epochLines = lines.Where(l => l.StartsWith("Epoch ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, epochLines.Count);
        Assert.All(epochLines, l => Assert.Contains(", knn ", l));
        Assert.All(epochLines, l => Assert.Contains(", linear probe ", l));
        Assert.All(epochLines, l => Assert.Contains(", raw-pixel probe ", l));
        Assert.Contains(lines, l => l.StartsWith("Training report: 51 labelled rows fit the probe", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("Training report: linear probe on raw pixels ", StringComparison.Ordinal));
        Assert.Contains(report.ToString(), lines);
        Assert.StartsWith("Report: linear probe ", report.ToString());
        lock (channel)
        {
            Assert.Contains(channel, m => m.Contains(report.ToString(), StringComparison.Ordinal));
            Assert.Contains(channel, m => m.Contains(epochLines[1], StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Without_a_label_column_there_is_no_report()
    {
        var ml = new MLContext(seed: 1);
        var lines = new List<string>();
        var options = TestOptions.Tiny();
        options.Log = lines.Add;
        using var moco = ml.Transforms.PretrainMoCo(options).Fit(ml.Data.LoadFromEnumerable(ReportRows.Create(32)));
        Assert.Null(moco.Report);
        Assert.DoesNotContain(lines, l => l.Contains("probe", StringComparison.Ordinal));
    }

    [Fact]
    public void Validation_data_is_the_held_out_set_and_Fit_labels_fit_the_probe()
    {
        var ml = new MLContext(seed: 1);
        var options = TestOptions.Tiny();
        options.LabelColumnName = nameof(ReportRow.Kind);
        options.ValidationData = ml.Data.LoadFromEnumerable(ReportRows.Create(20, seed: 5));
        using var moco = ml.Transforms.PretrainMoCo(options).Fit(ml.Data.LoadFromEnumerable(ReportRows.Create(40)));
        var report = moco.Report!;
        Assert.Equal((40, 20, "ValidationData"), (report.ProbeTrainingRows, report.HeldOutRows, report.HeldOutSource));
    }
}
