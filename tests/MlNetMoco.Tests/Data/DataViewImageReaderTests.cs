using Microsoft.ML;
using MlNetMoco.Core.Training;
using MlNetMoco.Tests.TestSupport;

namespace MlNetMoco.Tests.Data;

/// <summary>Fit's IDataView → in-memory images bridge: row validation and pixel-range warnings.</summary>
public class DataViewImageReaderTests
{
    private readonly MLContext _ml = new(seed: 1);

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void A_row_with_a_non_finite_pixel_is_named_before_training(float bad)
    {
        var rows = SyntheticImages.Rows(32);
        rows[5].Pixels[3] = bad;
        bool trained = false;
        var options = TestOptions.Tiny();
        options.Progress = new SyncProgress<TrainingProgress>(_ => trained = true);

        var error = Assert.Throws<ArgumentException>(() => _ml.Transforms.PretrainMoCo(options).Fit(_ml.Data.LoadFromEnumerable(rows)));
        Assert.Contains("Row 5 of column 'Pixels'", error.Message);
        Assert.Contains($"non-finite value ({bad})", error.Message);
        Assert.Contains("position 3", error.Message);
        Assert.False(trained);
    }

    [Fact]
    public void Pixels_outside_the_input_scale_give_one_warning_in_the_log_and_in_MLContext_Log()
    {
        var rows = SyntheticImages.Rows(32);
        foreach (var row in rows.Take(10)) row.Pixels[0] = 300;
        var lines = new List<string>();
        var mlNetWarnings = new List<string>();
        var context = new MLContext(seed: 1);
        context.Log += (_, e) => { if (e.Kind == Microsoft.ML.Runtime.ChannelMessageKind.Warning) lock (mlNetWarnings) mlNetWarnings.Add(e.Message); };
        var options = TestOptions.Tiny();
        options.Log = line => { lock (lines) lines.Add(line); };

        using var transformer = new MoCoEstimator(context, options).Fit(context.Data.LoadFromEnumerable(rows));

        var warning = Assert.Single(lines, l => l.Contains("outside [0, 255]"));
        Assert.Contains("Warning:", warning);
        Assert.Contains("first at row 0 (300)", warning);
        Assert.Contains("InputScale", warning);
        Assert.Single(mlNetWarnings, m => m.Contains("outside [0, 255]"));
    }

    [Fact]
    public void Pixels_already_in_0_1_with_the_default_scale_give_a_warning()
    {
        var rows = SyntheticImages.Rows(32);
        foreach (var row in rows) for (int i = 0; i < row.Pixels.Length; i++) row.Pixels[i] /= 255f;
        var lines = new List<string>();
        var options = TestOptions.Tiny();
        options.Log = lines.Add;

        using var transformer = _ml.Transforms.PretrainMoCo(options).Fit(_ml.Data.LoadFromEnumerable(rows));

        Assert.Contains(lines, l => l.Contains("InputScale = 1"));
        Assert.DoesNotContain(lines, l => l.Contains("outside [0,"));
    }
}
