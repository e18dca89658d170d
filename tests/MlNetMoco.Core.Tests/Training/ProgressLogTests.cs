using MlNetMoco.Core.Training;
using static MlNetMoco.Core.Tests.Training.TrainerTests;

namespace MlNetMoco.Core.Tests.Training;

/// <summary>Progress lines in the log during long epochs (<see cref="Trainer.LogIntervalSeconds"/>).</summary>
public class ProgressLogTests
{
    private static List<string> Lines(double intervalSeconds)
    {
        var lines = new List<string>();
        using var result = new Trainer(Small(epochs: 2)) { Log = lines.Add, LogIntervalSeconds = intervalSeconds }.Run(DistinctImages(48));
        return lines.Where(l => l.StartsWith("Progress: ", StringComparison.Ordinal)).ToList();
    }

    [Fact]
    public void A_tiny_interval_logs_a_line_per_step_with_step_loss_speed_and_eta()
    {
        var lines = Lines(1e-9);
        Assert.Equal(6, lines.Count); // 2 epochs of 3 steps
        Assert.StartsWith("Progress: epoch 1/2, step 1/3: loss ", lines[0]);
        Assert.StartsWith("Progress: epoch 2/2, step 3/3: loss ", lines[^1]);
        Assert.Matches(@"^Progress: epoch 2/2, step 3/3: loss \d+\.\d{4}, accuracy \d+\.\d%, [\d,]+ images/s, ETA \d\d:\d\d:\d\d\.$", lines[^1]);
    }

    [Fact]
    public void Zero_logs_only_the_epoch_summaries_and_the_default_none_in_a_short_run()
    {
        Assert.Empty(Lines(0));
        Assert.Equal(30, new Trainer(Small()).LogIntervalSeconds);
        Assert.Empty(Lines(MoCoDefaults.LogIntervalSeconds));
    }

    [Fact]
    public void A_negative_interval_is_refused_before_training()
    {
        var e = Assert.Throws<ArgumentException>(() => new Trainer(Small()) { LogIntervalSeconds = -1 }.Run(DistinctImages(48)));
        Assert.Contains("LogIntervalSeconds", e.Message);
    }
}
