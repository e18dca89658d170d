using MlNetMoco.Demo.Reporting;

namespace MlNetMoco.Demo.Tests.Reporting;

public class LeaderboardTests
{
    private static readonly LeaderboardRow[] Rows =
    [
        new("LightGbm", "31 leaves", [0.80, 0.82], [0.81, 0.83], TimeSpan.FromSeconds(12)),
        new("FineTuneMoCo", "20 epochs", [], [], TimeSpan.Zero, "needs ~5m 00s, 1m 10s left"),
        new("LbfgsMaximumEntropy", "L2=1", [0.84, 0.86, 0.85], [0.85, 0.86, 0.87], TimeSpan.FromSeconds(3)),
        new("SdcaMaximumEntropy", "L2=1e-4", [0.84, 0.86, 0.85], [0.80, 0.80, 0.80], TimeSpan.FromSeconds(1)),
    ];

    [Fact]
    public void MeanStd_is_the_mean_and_sample_standard_deviation()
    {
        var (mean, std) = LeaderboardRow.MeanStd([0.8, 0.9, 1.0]);
        Assert.Equal(0.9, mean, 12);
        Assert.Equal(0.1, std, 12);
        Assert.Equal((0.5, 0.0), LeaderboardRow.MeanStd([0.5]));
        Assert.True(double.IsNaN(LeaderboardRow.MeanStd([]).Mean));
    }

    [Fact]
    public void Order_is_best_mean_macro_first_then_micro_with_skipped_candidates_last()
    {
        var order = Leaderboard.Order(Rows).Select(r => r.Trainer).ToList();
        Assert.Equal(new[] { "LbfgsMaximumEntropy", "SdcaMaximumEntropy", "LightGbm", "FineTuneMoCo" }, order);
    }

    [Fact]
    public void Plain_text_shows_rank_mean_plus_minus_std_wall_time_and_why_a_candidate_was_skipped()
    {
        var lines = Leaderboard.PlainText(Rows, "Title").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("Title", lines[0]);
        Assert.StartsWith("| # | Trainer", lines[1]);
        Assert.Matches(@"^\| 1 \| LbfgsMaximumEntropy\s+\| L2=1\s+\|\s+85\.0% ± 1\.0 \|\s+86\.0% ± 1\.0 \|\s+3s \|$", lines[3]);
        Assert.Matches(@"\| 81\.0% ± 1\.4 \|\s+82\.0% ± 1\.4 \|", lines[5]);
        Assert.Contains("skipped", lines[6]);
        Assert.Contains("needs ~5m 00s, 1m 10s left", lines[6]);
        Assert.Single(lines.Skip(1).Select(l => l.Length).Distinct()); // aligned
    }

    [Fact]
    public void Print_writes_the_plain_text_when_not_interactive()
    {
        var output = new StringWriter();
        Leaderboard.Print(Rows, "Title", interactive: false, output: output);
        Assert.Equal(Leaderboard.PlainText(Rows, "Title"), output.ToString());
    }
}
