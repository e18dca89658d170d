using MlNetMoco.Core.Data;
using MlNetMoco.Core.Inference;
using MlNetMoco.Core.Training;
using static MlNetMoco.Core.Tests.Training.TrainerTests;

namespace MlNetMoco.Core.Tests.Training;

/// <summary>The loop's epoch-end evaluators, its log and starting from a trained encoder.</summary>
public class TrainerEvaluationTests
{
    private sealed class FakeEvaluator(string name, int stopAfterEpoch = int.MaxValue) : IEpochEvaluator
    {
        public List<EvaluationContext> Seen { get; } = [];
        public EvaluationContext? Ended { get; private set; }

        public EpochEvaluation Evaluate(EvaluationContext context)
        {
            Seen.Add(context);
            Assert.False(context.Encoder.training); // evaluation mode
            return new EpochEvaluation(new Dictionary<string, double> { [name] = context.Epoch + 0.5 })
            {
                StopTraining = context.Epoch >= stopAfterEpoch,
                StopReason = "no improvement for 2 epochs",
            };
        }

        public void TrainingEnded(EvaluationContext context) => Ended = context;
    }

    [Fact]
    public void Evaluator_metrics_reach_the_epoch_report_and_the_one_log_line_per_epoch()
    {
        var data = DistinctImages(48);
        var first = new FakeEvaluator("probe");
        var second = new FakeEvaluator("other");
        var lines = new List<string>();
        var reports = new List<TrainingProgress>();
        var trainer = new Trainer(Small(epochs: 3))
        {
            Evaluators = [first, second],
            Log = lines.Add,
            Progress = new SyncProgress(p => { if (p.EndOfEpoch) reports.Add(p); }),
        };
        using var result = trainer.Run(data);

        Assert.Equal(new[] { 0.5, 1.5, 2.5 }, reports.Select(r => r.Metrics["probe"]));
        Assert.Equal(reports, result.History);
        Assert.Null(result.StopReason);
        Assert.Equal(1.5, second.Seen[1].Metrics["probe"]); // later evaluators see earlier metrics
        Assert.True(second.Seen[1].Metrics.ContainsKey("loss"));
        Assert.Equal(2, first.Ended!.Epoch);

        var epochLines = lines.Where(l => l.StartsWith("Epoch ", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, epochLines.Count);
        Assert.Contains("Epoch 2/3 (MoCo v2): loss ", epochLines[1]);
        Assert.Contains("probe 1.5", epochLines[1]);
        Assert.Contains("images/s, ETA ", epochLines[1]);
        Assert.Contains(lines, l => l.Contains("QueueSize 64 is more than the 48 keys an epoch enqueues", StringComparison.Ordinal));
    }

    [Fact]
    public void An_evaluator_can_stop_training_after_a_checkpoint()
    {
        string dir = Directory.CreateTempSubdirectory("mlnetmoco-stop").FullName;
        try
        {
            var evaluator = new FakeEvaluator("probe", stopAfterEpoch: 1);
            var lines = new List<string>();
            using var result = new Trainer(Small(epochs: 10) with { CheckpointDirectory = dir, CheckpointEveryEpochs = 100 })
            {
                Evaluators = [evaluator], Log = lines.Add,
            }.Run(DistinctImages(48));
            Assert.Equal(2, result.History.Count);
            Assert.Equal("no improvement for 2 epochs", result.StopReason);
            Assert.True(File.Exists(Path.Combine(dir, "checkpoint-epoch0002.mlnmckpt")));
            Assert.Contains(lines, l => l.Contains("Training stopped after epoch 2 of 10: no improvement for 2 epochs", StringComparison.Ordinal));
            Assert.Equal(1, evaluator.Ended!.Epoch);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void The_knn_evaluator_reports_its_metric_as_KnnAccuracy()
    {
        var bank = DistinctImages(32, seed: 3);
        var test = DistinctImages(16, seed: 4);
        var monitor = new KnnMonitorData(bank, Enumerable.Range(0, 32).Select(i => i % 4).ToArray(), test, Enumerable.Range(0, 16).Select(i => i % 4).ToArray());
        var reports = new List<TrainingProgress>();
        using var result = new Trainer(Small(epochs: 1))
        {
            Evaluators = [new KnnEvaluator(monitor, neighbors: 5)],
            Progress = new SyncProgress(p => { if (p.EndOfEpoch) reports.Add(p); }),
        }.Run(DistinctImages(32));
        Assert.InRange(reports.Single().KnnAccuracy!.Value, 0, 1);
        Assert.Equal(reports.Single().KnnAccuracy, reports.Single().Metrics[KnnEvaluator.MetricName]);
        Assert.Throws<ArgumentException>(() => new KnnEvaluator(monitor, neighbors: 0));
    }

    [Fact]
    public void Pretraining_can_start_from_a_trained_encoder()
    {
        var data = DistinctImages(32);
        using var first = Run(data, Small(epochs: 1));
        var observed = new List<EvaluationContext>();
        var probe = new FakeEvaluator("probe");
        // A learning rate of ~0 keeps the weights where they started, so the first epoch's encoder shows the start.
        using var second = new Trainer(Small(epochs: 1) with { BaseLearningRate = 1e-12 }) { InitializeFrom = first.Encoder, Evaluators = [probe] }.Run(data);

        string name = first.Encoder.Network.state_dict().Keys.First(k => k.EndsWith("conv.weight", StringComparison.Ordinal));
        var started = second.Encoder.Network.state_dict()[name];
        Assert.True(started.allclose(first.Encoder.Network.state_dict()[name], 1e-5, 1e-7), name);
        var mismatch = Assert.Throws<ArgumentException>(() =>
            new Trainer(Small(epochs: 1) with { Backbone = new(MlNetMoco.Core.Backbones.BackboneKind.ResNet18, 1, SmallImageStem: true) }) { InitializeFrom = first.Encoder }.Run(data));
        Assert.Contains("does not match the backbone being trained", mismatch.Message);
    }
}
