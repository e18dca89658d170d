using Microsoft.ML;
using MlNetMoco.Core.Training;
using MlNetMoco.Tests.Reporting;
using MlNetMoco.Tests.TestSupport;

namespace MlNetMoco.Tests;

/// <summary>The report and progress-line settings (<c>MoCoOptions.Report.cs</c>).</summary>
public class MoCoOptionsReportTests
{
    private readonly MLContext _ml = new(seed: 1);

    [Fact]
    public void The_defaults_are_no_report_5000_rows_and_a_line_every_30_seconds()
    {
        var options = new MoCoOptions();
        Assert.Null(options.LabelColumnName);
        Assert.Null(options.ValidationData);
        Assert.Equal(MoCoDefaults.ReportMaxRows, options.ReportMaxRows);
        Assert.Equal(5000, options.ReportMaxRows);
        Assert.Equal(30, options.LogIntervalSeconds);
    }

    [Fact]
    public void A_tiny_LogIntervalSeconds_writes_progress_lines_to_the_log()
    {
        var lines = new List<string>();
        var options = TestOptions.Tiny(epochs: 2);
        options.Log = lines.Add;
        options.LogIntervalSeconds = 1e-6;
        using var moco = _ml.Transforms.PretrainMoCo(options).Fit(_ml.Data.LoadFromEnumerable(ReportRows.Create(32)));
        var progress = lines.Where(l => l.StartsWith("Progress: ", StringComparison.Ordinal)).ToList();
        Assert.Equal(8, progress.Count); // 2 epochs of 4 steps of 8
        Assert.StartsWith("Progress: epoch 2/2, step 4/4: loss ", progress[^1]);
        Assert.Contains(" images/s, ETA ", progress[^1]);

        lines.Clear();
        options.LogIntervalSeconds = 0;
        using var quiet = _ml.Transforms.PretrainMoCo(options).Fit(_ml.Data.LoadFromEnumerable(ReportRows.Create(32)));
        Assert.DoesNotContain(lines, l => l.StartsWith("Progress: ", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(nameof(MoCoOptions.LogIntervalSeconds))]
    [InlineData(nameof(MoCoOptions.ReportMaxRows))]
    [InlineData(nameof(MoCoOptions.LabelColumnName))]
    public void Out_of_range_settings_are_named_before_any_row_is_read(string property)
    {
        var options = TestOptions.Tiny();
        switch (property)
        {
            case nameof(MoCoOptions.LogIntervalSeconds): options.LogIntervalSeconds = -1; break;
            case nameof(MoCoOptions.ReportMaxRows): options.ReportMaxRows = 1; break;
            case nameof(MoCoOptions.LabelColumnName): options.LabelColumnName = " "; break;
        }
        var e = Assert.Throws<ArgumentException>(() => _ml.Transforms.PretrainMoCo(options).Fit(_ml.Data.LoadFromEnumerable(ReportRows.Create(32))));
        Assert.Equal(property, e.ParamName);
        Assert.Contains($"MoCoOptions.{property}", e.Message);
    }
}
