using MlNetMoco.Core.Training;
using MlNetMoco.Demo.Reporting;

namespace MlNetMoco.Demo.Tests.Reporting;

public class ConsoleProgressTests
{
    private static TrainingProgress Step(int step) => new(0, 2, step, 10, 5.5, 0.03, 0.1, 900, TimeSpan.FromSeconds(75));

    [Fact]
    public void Non_interactive_output_prints_one_line_per_epoch_and_throttles_steps()
    {
        var writer = new StringWriter();
        using (var progress = new ConsoleProgress("MoCo", interactive: false, output: writer))
        {
            for (int i = 0; i < 10; i++) progress.Report(Step(i));
            progress.Report(Step(9) with { EndOfEpoch = true, KnnAccuracy = 0.7, EmbeddingStd = 0.08 });
        }
        var lines = writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines); // step lines come at most every 10 s
        Assert.Contains("MoCo: epoch 1/2 loss 5.500", lines[0]);
        Assert.Contains("kNN 70.0", lines[0]);
        Assert.Contains("ETA 1m15s", lines[0]);
    }

    [Fact]
    public void Interactive_output_rewrites_one_line_and_closes_it()
    {
        var writer = new StringWriter();
        using (var progress = new ConsoleProgress("MoCo", interactive: true, output: writer))
        {
            progress.Report(Step(0));
            progress.Report(Step(1));
        }
        string text = writer.ToString();
        Assert.Equal(2, text.Count(c => c == '\r'));
        Assert.Contains("step 2/10", text);
        Assert.EndsWith(Environment.NewLine, text);
    }
}
