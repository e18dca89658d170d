using MlNetMoco.Core.Training;
using MlNetMoco.Demo.Reporting;

namespace MlNetMoco.Demo.Tests.Reporting;

public class ConsoleProgressTests
{
    private static TrainingProgress Step(int epoch, int step) => new(epoch, 2, step, 10, 5.5, 0.03, 0.125, 900, TimeSpan.FromSeconds(75));

    private static TrainingProgress EndOfEpoch(int epoch) =>
        Step(epoch, 9) with { EndOfEpoch = true, Loss = 5.25, ContrastiveAccuracy = 0.4, KnnAccuracy = 0.7, EmbeddingStd = 0.0812 };

    private static string[] Lines(StringWriter writer) => writer.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public void Log_lines_are_one_per_epoch_and_at_most_one_step_line_every_10_seconds()
    {
        var writer = new StringWriter();
        var clock = new ManualClock();
        using (var progress = new ConsoleProgress("MoCo", interactive: false, output: writer, clock: clock))
        {
            for (int i = 0; i < 10; i++)
            {
                clock.Advance(TimeSpan.FromSeconds(3)); // t = 3, 6, ..., 30: lines at 12 and 24
                progress.Report(Step(0, i));
            }
            progress.Report(EndOfEpoch(0));
            clock.Advance(TimeSpan.FromSeconds(9));
            progress.Report(Step(1, 0)); // 9 s after the epoch line: throttled
            progress.Report(EndOfEpoch(1));
            progress.Report(EndOfEpoch(1)); // after the last epoch: still a line (log mode never stops)
        }
        var lines = Lines(writer);
        Assert.Equal(5, lines.Length);
        Assert.Equal("MoCo: epoch 1/2 step 4/10 loss 5.500 acc 12.5% 900 img/s ETA 1m15s", lines[0]);
        Assert.StartsWith("MoCo: epoch 1/2 step 8/10 ", lines[1]);
        Assert.Equal("MoCo: epoch 1/2 loss 5.2500, acc 40.0%, kNN 70.0%, emb. std 0.0812, 900 img/s, ETA 1m15s", lines[2]);
        Assert.StartsWith("MoCo: epoch 2/2 loss 5.2500", lines[3]);
    }

    [Fact]
    public void Epoch_lines_leave_out_unknown_monitor_figures_and_reports_after_dispose_are_ignored()
    {
        var writer = new StringWriter();
        var progress = new ConsoleProgress("Supervised", interactive: false, output: writer);
        progress.Report(Step(0, 9) with { EndOfEpoch = true, Eta = TimeSpan.FromHours(1.5) });
        progress.Dispose();
        progress.Dispose();
        progress.Report(EndOfEpoch(1));
        Assert.Equal(new[] { "Supervised: epoch 1/2 loss 5.5000, acc 12.5%, 900 img/s, ETA 1h30m" }, Lines(writer));
    }

    [Fact]
    public void Reports_from_several_threads_give_whole_lines()
    {
        var writer = new StringWriter();
        using (var progress = new ConsoleProgress("MoCo", interactive: false, output: writer))
            Parallel.For(0, 200, i => progress.Report(EndOfEpoch(i % 2)));
        var lines = Lines(writer);
        Assert.Equal(200, lines.Length);
        Assert.All(lines, l => Assert.EndsWith("ETA 1m15s", l));
    }

    [Fact]
    public void The_live_bar_draws_the_run_and_prints_epoch_lines_then_frees_the_console()
    {
        var writer = new StringWriter();
        using (var progress = new ConsoleProgress("MoCo [v2]", interactive: true, output: writer))
        {
            for (int e = 0; e < 2; e++)
            {
                for (int i = 0; i < 10; i++) progress.Report(Step(e, i));
                progress.Report(EndOfEpoch(e));
            }
        }
        string text = writer.ToString();
        Assert.Contains("MoCo [v2]", text); // the title is escaped, not read as markup
        Assert.Contains("epoch 2/2 step 10/10", text);
        Assert.Contains("100%", text);
        Assert.Contains("MoCo [v2]: epoch 1/2 loss 5.2500, acc 40.0%, kNN 70.0%", text);
        Assert.Contains("MoCo [v2]: epoch 2/2 loss 5.2500", text);

        // The bar stopped after the last epoch, so a stage can now take the console.
        int result = ConsoleProgress.Stage("Features", report => { report(0.5); return 42; }, interactive: true, output: writer);
        Assert.Equal(42, result);
        Assert.Contains("Features", writer.ToString());
    }

    [Fact]
    public void A_stage_logs_start_throttled_percentages_and_end()
    {
        var writer = new StringWriter();
        var clock = new ManualClock();
        ConsoleProgress.Stage("Extracting features", report =>
        {
            for (int i = 1; i <= 10; i++)
            {
                clock.Advance(TimeSpan.FromSeconds(4));
                report(i / 10.0);
            }
        }, interactive: false, output: writer, clock: clock);
        Assert.Equal(new[]
        {
            "Extracting features: started",
            "Extracting features: 30%",
            "Extracting features: 60%",
            "Extracting features: 90%",
            "Extracting features: done in 40.0s",
        }, Lines(writer));
    }

    [Fact]
    public void A_failing_stage_rethrows_and_releases_the_console()
    {
        var writer = new StringWriter();
        Assert.Throws<InvalidDataException>(() => ConsoleProgress.Stage("Broken", _ => throw new InvalidDataException(), interactive: true, output: writer));
        ConsoleProgress.Stage("Next", report => report(1), interactive: true, output: writer);
        Assert.Contains("Next", writer.ToString());
    }
}
