using Microsoft.ML;
using MlNetMoco.Core.Training;
using MlNetMoco.Tests.TestSupport;

namespace MlNetMoco.Tests.Reporting;

/// <summary>The report's labelled rows: label types, missing labels, the row cap, and the checks made before training.</summary>
public class ReportDataTests
{
    private readonly MLContext _ml = new(seed: 1);

    private (MoCoOptions Options, List<string> Lines, List<TrainingProgress> Steps) Setup(string? label)
    {
        var lines = new List<string>();
        var steps = new List<TrainingProgress>();
        var options = TestOptions.Tiny();
        options.LabelColumnName = label;
        options.Log = lines.Add;
        options.Progress = new SyncProgress<TrainingProgress>(steps.Add);
        return (options, lines, steps);
    }

    [Theory]
    [InlineData("Nope", "label column 'Nope' was not found")]
    [InlineData("Pixels", "label column 'Pixels' has type Vector<Single, 1, 8, 8>; expected a key")]
    public void A_missing_or_unsupported_label_column_fails_before_training_and_names_it(string column, string expected)
    {
        var (options, lines, steps) = Setup(column);
        var data = _ml.Data.LoadFromEnumerable(ReportRows.Create(32));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => _ml.Transforms.PretrainMoCo(options).Fit(data));
        Assert.Contains("MoCoOptions.LabelColumnName", e.Message);
        Assert.Contains(expected, e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(steps);
        Assert.DoesNotContain(lines, l => l.StartsWith("Read ", StringComparison.Ordinal)); // not even the images were read
    }

    [Fact]
    public void Validation_data_with_a_wrong_schema_fails_before_training_and_is_named()
    {
        var data = _ml.Data.LoadFromEnumerable(ReportRows.Create(32));
        var (options, _, steps) = Setup(nameof(ReportRow.Kind));

        options.ValidationData = _ml.Data.LoadFromEnumerable(ReportRows.Create(8)).Transforms(_ml, "Kind");
        var noLabel = Assert.Throws<ArgumentException>(() => _ml.Transforms.PretrainMoCo(options).Fit(data));
        Assert.Equal(nameof(MoCoOptions.ValidationData), noLabel.ParamName);
        Assert.Contains("MoCoOptions.ValidationData: Label column 'Kind' was not found", noLabel.Message);

        options.ValidationData = _ml.Data.LoadFromEnumerable(new[] { new SmallReportRow { Kind = "left", Pixels = new float[16] } });
        var shape = Assert.Throws<ArgumentException>(() => _ml.Transforms.PretrainMoCo(options).Fit(data));
        Assert.Equal(nameof(MoCoOptions.ValidationData), shape.ParamName);
        Assert.Contains("1×4×4", shape.Message);

        options.ValidationData = _ml.Data.LoadFromEnumerable(ReportRows.Create(8)).Transforms(_ml, "Pixels");
        var noPixels = Assert.Throws<ArgumentException>(() => _ml.Transforms.PretrainMoCo(options).Fit(data));
        Assert.Equal(nameof(MoCoOptions.ValidationData), noPixels.ParamName);
        Assert.Contains("'Pixels'", noPixels.Message);

        options.LabelColumnName = null;
        var unnamed = Assert.Throws<ArgumentException>(() => _ml.Transforms.PretrainMoCo(options).Fit(data));
        Assert.Contains("LabelColumnName is null", unnamed.Message);
        Assert.Empty(steps);
    }

    [Theory]
    [InlineData(nameof(ReportRow.Number))]
    [InlineData(nameof(ReportRow.Flag))]
    [InlineData("Key")]
    public void Integer_Boolean_and_key_labels_name_classes(string column)
    {
        var (options, _, _) = Setup(column);
        var data = _ml.Transforms.Conversion.MapValueToKey("Key", nameof(ReportRow.Kind)).Fit(_ml.Data.LoadFromEnumerable(ReportRows.Create(32)))
            .Transform(_ml.Data.LoadFromEnumerable(ReportRows.Create(32)));
        using var moco = _ml.Transforms.PretrainMoCo(options).Fit(data);
        Assert.Equal((2, 32), (moco.Report!.ClassCount, moco.Report.RowsUsed));
    }

    [Fact]
    public void Rows_without_a_label_are_left_out_and_ReportMaxRows_caps_the_rest()
    {
        var rows = ReportRows.Create(48);
        for (int i = 0; i < 48; i += 3) rows[i].Kind = "";
        var (options, _, _) = Setup(nameof(ReportRow.Kind));
        options.ReportMaxRows = 20;
        using (var capped = _ml.Transforms.PretrainMoCo(options).Fit(_ml.Data.LoadFromEnumerable(rows)))
            Assert.Equal((16, 4, 20), (capped.Report!.ProbeTrainingRows, capped.Report.HeldOutRows, capped.Report.RowsUsed));
        options.ReportMaxRows = 5000;
        using var all = _ml.Transforms.PretrainMoCo(options).Fit(_ml.Data.LoadFromEnumerable(rows));
        Assert.Equal(32, all.Report!.RowsUsed); // 16 of the 48 rows have no label
    }

    [Fact]
    public void Labels_of_one_class_are_refused_before_training()
    {
        var rows = ReportRows.Create(32);
        foreach (var row in rows) row.Kind = "same";
        var (options, _, steps) = Setup(nameof(ReportRow.Kind));
        var e = Assert.Throws<ArgumentException>(() => _ml.Transforms.PretrainMoCo(options).Fit(_ml.Data.LoadFromEnumerable(rows)));
        Assert.Contains("label column 'Kind'", e.Message);
        Assert.Empty(steps);
    }
}

/// <summary>Drops a column from a data view.</summary>
internal static class DataViewExtensions
{
    public static IDataView Transforms(this IDataView data, MLContext ml, string drop) =>
        ml.Transforms.DropColumns(drop).Fit(data).Transform(data);
}
