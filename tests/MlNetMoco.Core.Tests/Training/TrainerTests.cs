using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Data;
using MlNetMoco.Core.Methods;
using MlNetMoco.Core.Training;
using TorchSharp;

namespace MlNetMoco.Core.Tests.Training;

/// <summary>The one loop on its self-supervised path (MoCo): learning, determinism, resume, guards, evaluators, log.</summary>
public class TrainerTests
{
    /// <summary>Calls back on the reporting thread (Progress&lt;T&gt; would post to the thread pool).</summary>
    internal sealed class SyncProgress(Action<TrainingProgress> action) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => action(value);
    }

    /// <summary>Images that are easy to tell apart: each a random smooth pattern of its own.</summary>
    internal static InMemoryImageDataset DistinctImages(int count, int channels = 1, int size = 16, int seed = 1)
    {
        var random = new Random(seed);
        var data = new InMemoryImageDataset(new ImageShape(channels, size, size), count);
        var pixels = new float[channels * size * size];
        for (int n = 0; n < count; n++)
        {
            double fx = random.NextDouble() * 0.6 + 0.1, fy = random.NextDouble() * 0.6 + 0.1;
            double px = random.NextDouble() * 6, py = random.NextDouble() * 6;
            for (int c = 0; c < channels; c++)
                for (int y = 0; y < size; y++)
                    for (int x = 0; x < size; x++)
                        pixels[(c * size + y) * size + x] = (float)(0.5 + 0.5 * Math.Sin(fx * x + px + c) * Math.Cos(fy * y + py));
            data.Add(pixels);
        }
        return data;
    }

    internal static MoCoMethodOptions SmallMoCo { get; } = new() { QueueSize = 64, BatchNormSplits = 2, ProjectionDim = 32 };

    internal static TrainingOptions Small(int epochs = 2) => new()
    {
        Method = SmallMoCo,
        Backbone = new BackboneSpec(BackboneKind.SmallConvNet, InChannels: 1),
        Epochs = epochs,
        BatchSize = 16,
        Device = "cpu",
        Seed = 42,
    };

    internal static TrainingOptions WithMoCo(TrainingOptions options, Func<MoCoMethodOptions, MoCoMethodOptions> change) =>
        options with { Method = change((MoCoMethodOptions)options.Method) };

    internal static TrainingResult Run(IImageDataset data, TrainingOptions options, IProgress<TrainingProgress>? progress = null,
        ImageNormalization? normalization = null, CancellationToken cancellationToken = default, int[]? labels = null) =>
        new Trainer(options) { Progress = progress }.Run(data, labels, normalization, cancellationToken);

    internal static List<double> StepLosses(IImageDataset data, TrainingOptions options, Func<TrainingProgress, bool>? cancelWhen = null, int[]? labels = null)
    {
        var losses = new List<double>();
        using var cts = new CancellationTokenSource();
        var progress = new SyncProgress(p =>
        {
            if (p.EndOfEpoch) return;
            losses.Add(p.Loss);
            if (cancelWhen?.Invoke(p) == true) cts.Cancel();
        });
        try
        {
            using var result = Run(data, options, progress, cancellationToken: cts.Token, labels: labels);
        }
        catch (OperationCanceledException) when (cancelWhen != null)
        {
        }
        return losses;
    }

    [Fact]
    public void Instance_discrimination_is_learned_on_distinguishable_images()
    {
        var data = DistinctImages(64);
        var options = WithMoCo(Small(epochs: 60) with { BaseLearningRate = 0.3 }, m => m with { QueueSize = 32, EncoderMomentum = 0.99 });
        var epochs = new List<TrainingProgress>();
        using var result = Run(data, options, new SyncProgress(p => { if (p.EndOfEpoch) epochs.Add(p); }));

        Assert.Equal(60, epochs.Count);
        Assert.Equal(result.History, epochs);
        // Epoch 0 is skipped: its queue still holds the random initial keys, which are easy negatives.
        double chance = 1.0 / (32 + 1);
        double earlyLoss = epochs.Skip(1).Take(3).Average(e => e.Loss), lateLoss = epochs.TakeLast(5).Average(e => e.Loss);
        double earlyAccuracy = epochs.Skip(1).Take(3).Average(e => e.ContrastiveAccuracy);
        double lateAccuracy = epochs.TakeLast(5).Average(e => e.ContrastiveAccuracy);
        Assert.True(lateLoss < earlyLoss - 0.2, $"loss {earlyLoss:F3} → {lateLoss:F3}");
        Assert.True(lateAccuracy > 4 * chance && lateAccuracy > earlyAccuracy + 0.05,
            $"(K+1)-way accuracy {earlyAccuracy:F3} → {lateAccuracy:F3}, chance {chance:F3}");
        Assert.All(epochs, e => Assert.InRange(e.EmbeddingStd!.Value, 0.01, 1));
    }

    [Fact]
    public void The_same_seed_gives_identical_losses_whatever_other_threads_do()
    {
        var data = DistinctImages(48);
        var a = StepLosses(data, Small());
        // Another thread reseeding and drawing from the process-wide generator must not change anything.
        using var stop = new CancellationTokenSource();
        var noise = new Thread(() =>
        {
            for (int i = 0; !stop.IsCancellationRequested; i++)
            {
                torch.manual_seed(i);
                using var t = torch.rand(64);
            }
        });
        noise.Start();
        var b = StepLosses(data, Small());
        stop.Cancel();
        noise.Join();
        Assert.Equal(6, a.Count);
        Assert.Equal(a, b);
        Assert.NotEqual(a, StepLosses(data, Small() with { Seed = 43 }));
    }

    [Fact]
    public void Live_tensor_count_stays_flat_across_steps()
    {
        var data = DistinctImages(64);
        var counts = new List<long>();
        var progress = new SyncProgress(p => { if (!p.EndOfEpoch) counts.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount); });
        using (Run(data, Small(epochs: 13), progress)) { }

        Assert.Equal(52, counts.Count);
        // The first steps create the optimizer's momentum buffers; after that nothing may accumulate.
        Assert.All(counts.Skip(2), c => Assert.Equal(counts[2], c));
    }

    [Fact]
    public void Resuming_from_a_mid_epoch_checkpoint_continues_exactly()
    {
        var data = DistinctImages(48);
        string dir = Directory.CreateTempSubdirectory("mlnetmoco-resume").FullName;
        try
        {
            var options = Small(epochs: 3) with { CheckpointDirectory = dir, CheckpointEveryEpochs = 1 };
            var uninterrupted = StepLosses(data, options with { CheckpointDirectory = null });

            var firstPart = StepLosses(data, options, p => p.Epoch == 1 && p.Step == 1);
            string last = Path.Combine(dir, "checkpoint-last.mlnmckpt");
            Assert.True(File.Exists(last));
            var secondPart = StepLosses(data, options with { ResumeFrom = last });

            Assert.Equal(uninterrupted, firstPart.Concat(secondPart));

            // Resuming from an epoch-boundary checkpoint replays the last epoch identically too.
            var fromEpoch = StepLosses(data, options with { ResumeFrom = Path.Combine(dir, "checkpoint-epoch0001.mlnmckpt") });
            Assert.Equal(uninterrupted.Skip(3), fromEpoch);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void Mismatched_or_corrupt_checkpoints_are_refused_with_a_reason()
    {
        var data = DistinctImages(32);
        string dir = Directory.CreateTempSubdirectory("mlnetmoco-ckpt").FullName;
        try
        {
            var options = Small(epochs: 1) with { CheckpointDirectory = dir };
            using (Run(data, options)) { }
            string path = Path.Combine(dir, "checkpoint-epoch0001.mlnmckpt");

            var mismatch = Assert.Throws<InvalidDataException>(() => Run(data, WithMoCo(options with { ResumeFrom = path }, m => m with { ProjectionDim = 16 })));
            Assert.Contains("Method.ProjectionDim (checkpoint 32, now 16)", mismatch.Message);
            var otherData = Assert.Throws<InvalidDataException>(() => Run(DistinctImages(48), options with { ResumeFrom = path }));
            Assert.Contains("32 images, this run has 48", otherData.Message);

            byte[] bytes = File.ReadAllBytes(path);
            bytes[bytes.Length / 2] ^= 0xFF;
            File.WriteAllBytes(path, bytes);
            var corrupt = Assert.Throws<InvalidDataException>(() => Run(data, options with { ResumeFrom = path }));
            Assert.Contains("corrupt", corrupt.Message);

            File.WriteAllText(path, "hello");
            var foreign = Assert.Throws<InvalidDataException>(() => Run(data, options with { ResumeFrom = path }));
            Assert.Contains("not an MlNetMoco checkpoint", foreign.Message);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    private sealed class NaNImages : IImageDataset
    {
        public int Count => 32;
        public ImageShape Shape => new(1, 16, 16);
        public void CopyImages(ReadOnlySpan<int> indices, Span<float> destination) => destination.Fill(float.NaN);
    }

    [Fact]
    public void A_non_finite_loss_stops_training_naming_the_step_after_saving_state()
    {
        string dir = Directory.CreateTempSubdirectory("mlnetmoco-nan").FullName;
        try
        {
            var e = Assert.Throws<NonFiniteLossException>(() =>
                Run(new NaNImages(), Small() with { CheckpointDirectory = dir }, normalization: new ImageNormalization(new[] { 0.5f }, new[] { 0.25f })));
            Assert.Equal(0, e.Epoch);
            Assert.Equal(0, e.Step);
            Assert.Contains("epoch 0, step 0", e.Message);
            Assert.True(File.Exists(e.CheckpointPath));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void Cancellation_stops_between_steps()
    {
        var data = DistinctImages(64);
        int steps = 0;
        using var cts = new CancellationTokenSource();
        var progress = new SyncProgress(p => { if (!p.EndOfEpoch && ++steps == 2) cts.Cancel(); });
        Assert.ThrowsAny<OperationCanceledException>(() => Run(data, Small(epochs: 50), progress, cancellationToken: cts.Token));
        Assert.Equal(2, steps);
    }

    [Fact]
    public void Too_few_images_are_refused_before_training()
    {
        var e = Assert.Throws<ArgumentException>(() => Run(DistinctImages(8), Small()));
        Assert.Contains("fewer than one batch of 16", e.Message);
        var empty = Assert.Throws<ArgumentException>(() => Run(new InMemoryImageDataset(new ImageShape(1, 16, 16)), Small()));
        Assert.Contains("empty", empty.Message);
        var splits = Assert.Throws<ArgumentException>(() => Run(DistinctImages(32), Small() with { BatchSize = 15 }));
        Assert.Contains("BatchSize = 15 is not valid: expected a multiple of BatchNormSplits (2)", splits.Message);
        var channels = Assert.Throws<ArgumentException>(() => Run(DistinctImages(32, channels: 3), Small()));
        Assert.Contains("1 channel(s) but the images have 3", channels.Message);
    }
}
