using System.Diagnostics;
using MlNetMoco.Core.Augmentations;
using MlNetMoco.Core.Checkpoints;
using MlNetMoco.Core.Data;
using MlNetMoco.Core.Devices;
using MlNetMoco.Core.Inference;
using MlNetMoco.Core.Optimization;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Training;

/// <summary>
/// The pretraining loop: epochs over an <see cref="IImageDataset"/>, two augmented views per image, one method
/// step, SGD, progress, k-NN monitor, checkpoints. Everything random derives from (seed, epoch, step)
/// (<see cref="Seeds"/>), so the same seed on the CPU gives identical losses, and a resumed run continues exactly.
/// </summary>
public static class Pretrainer
{
    /// <summary>Runs MoCo pretraining.</summary>
    /// <param name="data">The unlabeled images (values in [0, 1]).</param>
    /// <param name="options">Every setting; validated first.</param>
    /// <param name="normalization">Per-channel mean/std; null computes them from <paramref name="data"/>.</param>
    /// <param name="progress">Receives a report after every step and at the end of every epoch.</param>
    /// <param name="monitor">Labelled images for the k-NN monitor, evaluated at the end of every epoch.</param>
    /// <param name="log">Receives one-line messages (device, warnings, checkpoints).</param>
    /// <param name="cancellationToken">Checked between steps; on cancellation a checkpoint is written (when a directory is set) and <see cref="OperationCanceledException"/> is thrown.</param>
    /// <returns>The trained query encoder and the per-epoch history.</returns>
    /// <exception cref="ArgumentException">Invalid options, or fewer images than one batch.</exception>
    /// <exception cref="NonFiniteLossException">The loss became NaN or infinite.</exception>
    /// <exception cref="InvalidDataException">The checkpoint to resume from is corrupt or does not match the options.</exception>
    public static PretrainResult Run(IImageDataset data, PretrainOptions options, ImageNormalization? normalization = null,
        IProgress<TrainingProgress>? progress = null, KnnMonitorData? monitor = null, Action<string>? log = null,
        CancellationToken cancellationToken = default)
    {
        options.Validate();
        monitor?.Validate();
        var shape = data.Shape;
        if (data.Count == 0) throw new ArgumentException("The data set is empty: pretraining needs images.", nameof(data));
        if (data.Count < options.BatchSize)
            throw new ArgumentException($"The data set has {data.Count} images, fewer than one batch of {options.BatchSize}: lower BatchSize or add images.", nameof(data));
        if (options.Backbone.InChannels != shape.Channels)
            throw new ArgumentException($"The backbone expects {options.Backbone.InChannels} channel(s) but the images have {shape.Channels}.", nameof(options));

        var device = DeviceSelector.Resolve(options.Device);
        log?.Invoke(TorchDiagnostics.Describe(device));
        normalization = (normalization ?? DatasetStatistics.Compute(data)).Validate(shape.Channels);

        int queueSize = options.QueueSize;
        if (queueSize > data.Count)
        {
            log?.Invoke($"QueueSize {queueSize} exceeds the {data.Count} images; using {data.Count} so the queue does not hold stale copies of the same image.");
            queueSize = data.Count;
        }

        using var session = new TrainingSession(options, shape, normalization, queueSize, device);
        if (options.ResumeFrom is { } resumePath)
        {
            session.Resume(resumePath);
            log?.Invoke($"Resumed from '{resumePath}' at epoch {session.Epoch}, step {session.StepInEpoch}.");
        }

        var history = new List<TrainingProgress>();
        int stepsPerEpoch = data.Count / options.BatchSize;
        long totalSteps = (long)stepsPerEpoch * options.Epochs;
        var clock = Stopwatch.StartNew();
        long stepsThisRun = 0;

        for (int epoch = session.Epoch; epoch < options.Epochs; epoch++)
        {
            var epochClock = Stopwatch.StartNew();
            double lossSum = 0, accuracySum = 0;
            int stepsDone = 0;
            int firstStep = session.StepInEpoch;
            var order = Seeds.EpochOrder(options.Seed, epoch, data.Count);
            foreach (var batch in BatchProducer.Batches(data, order, options.BatchSize, firstStep, cancellationToken: cancellationToken))
            {
                int step = firstStep + stepsDone;
                if (cancellationToken.IsCancellationRequested)
                {
                    string? saved = session.SaveCheckpoint("cancelled");
                    if (saved != null) log?.Invoke($"Cancelled at epoch {epoch}, step {step}; state saved to '{saved}'.");
                    cancellationToken.ThrowIfCancellationRequested();
                }

                double lr = LearningRateSchedule.At(options, epoch, step, stepsPerEpoch);
                var (loss, accuracy) = session.TrainStep(batch, epoch, step, lr);
                if (!double.IsFinite(loss))
                    throw new NonFiniteLossException(epoch, step, session.GlobalStep - 1, loss, session.SaveCheckpoint("non-finite loss", "checkpoint-nonfinite"));

                lossSum += loss;
                accuracySum += accuracy;
                stepsDone++;
                stepsThisRun++;
                double imagesPerSecond = stepsDone * options.BatchSize / Math.Max(epochClock.Elapsed.TotalSeconds, 1e-9);
                long remaining = totalSteps - session.GlobalStep;
                var eta = TimeSpan.FromSeconds(clock.Elapsed.TotalSeconds / stepsThisRun * remaining);
                progress?.Report(new TrainingProgress(epoch, options.Epochs, step, stepsPerEpoch, loss, lr, accuracy, imagesPerSecond, eta));
            }

            // The producer also watches the token and may end the epoch early: never treat that as a finished epoch.
            if (cancellationToken.IsCancellationRequested)
            {
                string? saved = session.SaveCheckpoint("cancelled");
                if (saved != null) log?.Invoke($"Cancelled at epoch {epoch}, step {session.StepInEpoch}; state saved to '{saved}'.");
                cancellationToken.ThrowIfCancellationRequested();
            }

            double? knn = monitor is null ? null : session.EvaluateKnn(monitor);
            var summary = new TrainingProgress(epoch, options.Epochs, stepsPerEpoch - 1, stepsPerEpoch,
                lossSum / Math.Max(stepsDone, 1), LearningRateSchedule.At(options, epoch, stepsPerEpoch - 1, stepsPerEpoch),
                accuracySum / Math.Max(stepsDone, 1), stepsDone * options.BatchSize / Math.Max(epochClock.Elapsed.TotalSeconds, 1e-9),
                TimeSpan.FromSeconds(clock.Elapsed.TotalSeconds / Math.Max(stepsThisRun, 1) * (totalSteps - session.GlobalStep)),
                EndOfEpoch: true, KnnAccuracy: knn, EmbeddingStd: session.LastEmbeddingStd);
            history.Add(summary);
            progress?.Report(summary);
            session.EndEpoch();

            bool last = epoch == options.Epochs - 1;
            if (last || (epoch + 1) % options.CheckpointEveryEpochs == 0)
            {
                string? saved = session.SaveCheckpoint(last ? "end" : "interval", $"checkpoint-epoch{epoch + 1:D4}");
                if (saved != null) log?.Invoke($"Checkpoint written: '{saved}'.");
            }
        }

        return new PretrainResult(session.ExportEncoder(), history);
    }
}
