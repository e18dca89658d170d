using MlNetMoco.Demo.Jobs;

namespace MlNetMoco.Demo.Tests.Jobs;

public class FineTuneBudgetTests
{
    [Theory]
    [InlineData("10m", 600)]
    [InlineData("90s", 90)]
    [InlineData("1h", 3600)]
    [InlineData("1h30m", 5400)]
    [InlineData("2m30s", 150)]
    [InlineData("3", 180)]
    [InlineData("0", 0)]
    [InlineData(" 1.5m ", 90)]
    public void Parse_reads_durations_and_plain_minutes(string text, double seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), FineTuneBudget.Parse(text));

    [Theory]
    [InlineData("")]
    [InlineData("ten minutes")]
    [InlineData("-5")]
    [InlineData("5x")]
    [InlineData("m")]
    public void Parse_rejects_anything_else(string text)
    {
        var e = Assert.Throws<FormatException>(() => FineTuneBudget.Parse(text));
        Assert.Contains("duration", e.Message);
    }

    [Fact]
    public void Estimate_is_the_measured_rate_times_epochs_rows_and_folds()
    {
        var budget = new FineTuneBudget(TimeSpan.FromMinutes(10));
        Assert.Null(budget.Estimate("e2e", 10, 800, 5));
        budget.Record("e2e", TimeSpan.FromSeconds(10), 1000); // 10 ms per image-epoch
        Assert.Equal(0.01, budget.SecondsPerImageEpoch("e2e")!.Value, 12);
        Assert.Equal(TimeSpan.FromSeconds(400), budget.Estimate("e2e", 10, 800, 5));
        budget.Record("e2e", TimeSpan.FromSeconds(30), 1000); // the rate is the total time over the total work
        Assert.Equal(0.02, budget.SecondsPerImageEpoch("e2e")!.Value, 12);
        Assert.Equal(TimeSpan.FromSeconds(40), budget.Spent);
    }

    [Fact]
    public void Cost_classes_keep_their_own_rates_and_share_the_spent_time()
    {
        // The sweep's overrun: a cheap frozen-encoder calibration must not set the rate of end-to-end candidates.
        var budget = new FineTuneBudget(TimeSpan.FromMinutes(3));
        budget.Record(SweepCandidate.FrozenEncoder, TimeSpan.FromSeconds(16), 40_000);
        Assert.Null(budget.Estimate(SweepCandidate.EndToEnd, 20, 800, 5));
        budget.Record(SweepCandidate.EndToEnd, TimeSpan.FromSeconds(62), 40_000);
        Assert.Equal(TimeSpan.FromSeconds(124), budget.Estimate(SweepCandidate.EndToEnd, 20, 800, 5));
        Assert.Equal(TimeSpan.FromSeconds(32), budget.Estimate(SweepCandidate.FrozenEncoder, 20, 800, 5));
        Assert.Equal(TimeSpan.FromSeconds(78), budget.Spent);
        Assert.False(budget.Fits(budget.Estimate(SweepCandidate.EndToEnd, 20, 800, 5)!.Value));
    }

    [Fact]
    public void Fine_tune_candidates_are_classed_by_whether_the_backbone_trains()
    {
        var candidates = SweepCandidates.FineTune(null, "Pixels", epochs: 2);
        Assert.Equal(SweepCandidate.FrozenEncoder, candidates[0].CostClass);
        Assert.All(candidates.Skip(1), c => Assert.Equal(SweepCandidate.EndToEnd, c.CostClass));
    }

    [Fact]
    public void A_candidate_fits_only_when_spent_plus_estimate_is_within_the_budget()
    {
        var budget = new FineTuneBudget(TimeSpan.FromMinutes(2));
        budget.Record("e2e", TimeSpan.FromSeconds(30), 100);
        Assert.True(budget.Fits(TimeSpan.FromSeconds(90)));
        Assert.False(budget.Fits(TimeSpan.FromSeconds(91)));
        Assert.Equal(TimeSpan.FromSeconds(90), budget.Left);
        budget.Record("e2e", TimeSpan.FromMinutes(5), 100);
        Assert.Equal(TimeSpan.Zero, budget.Left);
        Assert.False(budget.Fits(TimeSpan.Zero + TimeSpan.FromTicks(1)));
        Assert.False(new FineTuneBudget(TimeSpan.Zero).Fits(TimeSpan.FromSeconds(1)));
    }

    [Theory]
    [InlineData(12, "12s")]
    [InlineData(250, "4m 10s")]
    [InlineData(3900, "1h 05m")]
    public void Format_is_short(double seconds, string expected) => Assert.Equal(expected, FineTuneBudget.Format(TimeSpan.FromSeconds(seconds)));
}
