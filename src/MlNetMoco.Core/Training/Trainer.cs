using System.Diagnostics;
using System.Globalization;
using MlNetMoco.Core.Data;
using MlNetMoco.Core.Devices;
using MlNetMoco.Core.Inference;
using MlNetMoco.Core.Optimization;

namespace MlNetMoco.Core.Training;

/// <summary>
/// The one training loop, for self-supervised pretraining and supervised training alike: epochs over an
/// <see cref="IImageDataset"/> in an order drawn from (seed, epoch), one augmented view per pipeline the method
/// declares, one method step and one optimizer step per batch (each in its own dispose scope), the learning-rate
/// schedule, progress and one log line per epoch, end-of-epoch evaluators (k-NN monitor, …) that may stop training,
/// atomic checkpoints with the optimizer state, a guard against non-finite losses, and cancellation. Everything random
/// derives from (seed, epoch, step) (<see cref="Seeds"/>), so the same seed on the CPU gives identical losses and a
/// resumed run continues exactly.
/// </summary>
public sealed class Trainer
{
    /// <summary>Creates a trainer for <paramref name="options"/> (validated by <see cref="Run"/>).</summary>
    /// <param name="options">Every setting of the run.</param>
    public Trainer(TrainingOptions options) => Options = options ?? throw new ArgumentNullException(nameof(options));

    /// <summary>The run's settings.</summary>
    public TrainingOptions Options { get; }

    /// <summary>Receives a report after every step and at the end of every epoch. Default null.</summary>
    public IProgress<TrainingProgress>? Progress { get; init; }

    /// <summary>Receives one-line messages: device, adjusted settings, one summary per epoch, checkpoints. Default null.</summary>
    public Action<string>? Log { get; init; }

    /// <summary>Evaluations run at the end of every epoch, in order (e.g. <see cref="KnnEvaluator"/>). Default none.</summary>
    public IReadOnlyList<IEpochEvaluator> Evaluators { get; init; } = [];

    /// <summary>
    /// At most one progress line (epoch, step, loss, images/s, ETA) goes to <see cref="Log"/> every this many seconds
    /// during an epoch; 0 writes only the epoch summaries. Default 30 (<see cref="MoCoDefaults.LogIntervalSeconds"/>).
    /// </summary>
    public double LogIntervalSeconds { get; init; } = MoCoDefaults.LogIntervalSeconds;

    /// <summary>
    /// An encoder whose backbone weights (all but the head) start the method's online encoder: fine-tuning a pretrained
    /// encoder, or pretraining from weights (e.g. <see cref="Checkpoints.CheckpointFile.ReadEncoder"/>). Ignored when
    /// resuming from a checkpoint. Default null.
    /// </summary>
    public TrainedEncoder? InitializeFrom { get; init; }

    /// <summary>Trains and returns the online encoder with the per-epoch history.</summary>
    /// <param name="images">The training images (values in [0, 1]).</param>
    /// <param name="labels">The 0-based class of each image, for methods that need labels (supervised); null otherwise.</param>
    /// <param name="normalization">Per-channel mean/std; null computes them from <paramref name="images"/>.</param>
    /// <param name="cancellationToken">Checked between steps; on cancellation a checkpoint is written (when a directory is set) and <see cref="OperationCanceledException"/> is thrown.</param>
    /// <exception cref="ArgumentException">Invalid options, too few images, missing or invalid labels, or a channel mismatch; raised before training starts.</exception>
    /// <exception cref="NonFiniteLossException">The loss became NaN or infinite.</exception>
    /// <exception cref="InvalidDataException">The checkpoint to resume from is corrupt or does not match the run.</exception>
    public TrainingResult Run(IImageDataset images, int[]? labels = null, ImageNormalization? normalization = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(images);
        var options = Options.Validate();
        var method = options.Method;
        var shape = images.Shape;
        int count = images.Count, batch = options.BatchSize;
        CheckData(images, labels, options);
        options = options.ForImages(shape); // a ViT's automatic image side and patch size
        if (!(LogIntervalSeconds >= 0) || double.IsInfinity(LogIntervalSeconds))
            throw new ArgumentException($"LogIntervalSeconds = {LogIntervalSeconds} is not valid: expected 0 or more seconds.", nameof(LogIntervalSeconds));

        var device = DeviceSelector.Resolve(options.Device);
        var log = Log ?? (_ => { });
        log(TorchDiagnostics.Describe(device));
        if (OneDnnGuard.Status.Capped || device.type == TorchSharp.DeviceType.CPU && OneDnnGuard.Status.Cpu is { ReportsDataCaches: false })
            log(OneDnnGuard.Status.Message);
        normalization = (normalization ?? DatasetStatistics.Compute(images)).Validate(shape.Channels);

        using var session = new TrainingSession(options, shape, normalization, count, labels, device,
            options.ResumeFrom is null ? InitializeFrom : null, log);
        if (options.ResumeFrom is { } resumePath)
        {
            session.Resume(resumePath);
            log($"Resumed from '{resumePath}' at epoch {session.Epoch}, step {session.StepInEpoch}.");
        }

        int fullBatches = count / batch, rest = count - fullBatches * batch;
        bool partial = method.KeepsPartialBatch && rest >= 2;
        int stepsPerEpoch = fullBatches + (partial ? 1 : 0);
        var partialPixels = partial ? new float[rest * shape.Size] : null;
        string patches = options.Backbone.IsVisionTransformer ? $" (patch {options.Backbone.PatchSize})" : "";
        log($"{method.Name}: {count} images of {shape}, {options.Backbone.Kind}{patches}, {options.Epochs} epoch(s) of {stepsPerEpoch} step(s) of {batch}" +
            (partial ? $" (the last of {rest})." : rest > 0 ? $" ({rest} image(s) per epoch left out)." : "."));

        var history = new List<TrainingProgress>();
        long totalSteps = (long)stepsPerEpoch * options.Epochs;
        var clock = Stopwatch.StartNew();
        var progressLog = new ProgressLog(LogIntervalSeconds, log);
        long stepsThisRun = 0;
        string? stopReason = null;
        for (int epoch = session.Epoch; epoch < options.Epochs; epoch++)
        {
            var epochClock = Stopwatch.StartNew();
            double lossSum = 0, accuracySum = 0;
            int stepsDone = 0, imagesDone = 0;
            int firstStep = session.StepInEpoch;
            var order = Seeds.EpochOrder(options.Seed, epoch, count);
            foreach (var (pixels, step) in Batches(images, order, batch, firstStep, fullBatches, partialPixels, cancellationToken))
            {
                if (cancellationToken.IsCancellationRequested) Cancel(session, epoch, step, log, cancellationToken);
                int n = pixels.Length / shape.Size;
                var position = new TrainingPosition(epoch, step, stepsPerEpoch, options.Epochs, session.GlobalStep);
                double lr = LearningRateSchedule.At(options, epoch, step, stepsPerEpoch);
                var (loss, accuracy) = session.TrainStep(pixels, n, order.AsSpan(step * batch, n), position, lr, step == stepsPerEpoch - 1);
                if (!double.IsFinite(loss))
                    throw new NonFiniteLossException(epoch, step, position.GlobalStep, loss, session.SaveCheckpoint("non-finite loss", "checkpoint-nonfinite"));

                lossSum += loss;
                accuracySum += accuracy;
                stepsDone++;
                imagesDone += n;
                stepsThisRun++;
                double imagesPerSecond = imagesDone / Math.Max(epochClock.Elapsed.TotalSeconds, 1e-9);
                var eta = TimeSpan.FromSeconds(clock.Elapsed.TotalSeconds / stepsThisRun * (totalSteps - session.GlobalStep));
                var stepProgress = new TrainingProgress(epoch, options.Epochs, step, stepsPerEpoch, loss, lr, accuracy, imagesPerSecond, eta);
                Progress?.Report(stepProgress);
                progressLog.Step(stepProgress);
            }

            // The producer also watches the token and may end the epoch early: never treat that as a finished epoch.
            if (cancellationToken.IsCancellationRequested) Cancel(session, epoch, session.StepInEpoch, log, cancellationToken);

            // An epoch resumed at its very end ran no step here: its means are unknown.
            double meanLoss = stepsDone > 0 ? lossSum / stepsDone : double.NaN, meanAccuracy = stepsDone > 0 ? accuracySum / stepsDone : double.NaN;
            var metrics = new Dictionary<string, double> { ["loss"] = meanLoss, ["accuracy"] = meanAccuracy };
            var evaluated = new Dictionary<string, double>();
            foreach (var evaluator in Evaluators)
            {
                var result = session.WithEncoderInEvalMode(evaluator.Evaluate, epoch, new Dictionary<string, double>(metrics));
                foreach (var (name, value) in result.Metrics) metrics[name] = evaluated[name] = value;
                if (result.StopTraining) stopReason ??= result.StopReason ?? $"{evaluator.GetType().Name} asked to stop";
            }

            double lastRate = LearningRateSchedule.At(options, epoch, stepsPerEpoch - 1, stepsPerEpoch);
            var summary = new TrainingProgress(epoch, options.Epochs, stepsPerEpoch - 1, stepsPerEpoch, meanLoss, lastRate, meanAccuracy,
                imagesDone / Math.Max(epochClock.Elapsed.TotalSeconds, 1e-9),
                TimeSpan.FromSeconds(clock.Elapsed.TotalSeconds / Math.Max(stepsThisRun, 1) * (totalSteps - session.GlobalStep)),
                EndOfEpoch: true, KnnAccuracy: evaluated.TryGetValue(KnnEvaluator.MetricName, out double knn) ? knn : null,
                EmbeddingStd: session.LastEmbeddingStd)
            {
                Metrics = evaluated,
            };
            history.Add(summary);
            Progress?.Report(summary);
            log(EpochLine(summary, method.Name));
            session.EndEpoch();

            bool last = epoch == options.Epochs - 1 || stopReason is not null;
            if (last || (epoch + 1) % options.CheckpointEveryEpochs == 0)
            {
                string? saved = session.SaveCheckpoint(stopReason is not null ? "stopped" : last ? "end" : "interval", $"checkpoint-epoch{epoch + 1:D4}");
                if (saved != null) log($"Checkpoint written: '{saved}'.");
            }
            if (stopReason is not null)
            {
                log($"Training stopped after epoch {epoch + 1} of {options.Epochs}: {stopReason}.");
                break;
            }
        }

        int lastEpoch = Math.Max(session.Epoch - 1, 0);
        foreach (var evaluator in Evaluators)
            session.WithEncoderInEvalMode(c => { evaluator.TrainingEnded(c); return 0; }, lastEpoch,
                history.Count > 0 ? history[^1].Metrics : new Dictionary<string, double>());
        return new TrainingResult(session.ExportEncoder(), history) { StopReason = stopReason };
    }

    /// <summary>Checks the data against the options before anything is built.</summary>
    private static void CheckData(IImageDataset images, int[]? labels, TrainingOptions options)
    {
        var method = options.Method;
        int count = images.Count;
        if (count == 0) throw new ArgumentException("The data set is empty: training needs images.", nameof(images));
        if (method.NeedsLabels && labels is null)
            throw new ArgumentException($"{method.Name} training needs a label per image, and none were given.", nameof(labels));
        if (labels is not null)
        {
            if (labels.Length != count) throw new ArgumentException($"The data set has {count} images but {labels.Length} labels.", nameof(labels));
            int bad = Array.FindIndex(labels, l => l < 0);
            if (bad >= 0) throw new ArgumentException($"Label {bad} is {labels[bad]}: labels must be 0-based class indices.", nameof(labels));
        }
        if (method.KeepsPartialBatch ? count < 2 : count < options.BatchSize)
            throw new ArgumentException(method.KeepsPartialBatch
                ? $"The data set has {count} image: training needs at least 2 (BatchNorm in training mode)."
                : $"The data set has {count} images, fewer than one batch of {options.BatchSize} (the last partial batch of an epoch is dropped): lower BatchSize or add images.",
                nameof(images));
        if (options.Backbone.InChannels != images.Shape.Channels)
            throw new ArgumentException($"The backbone expects {options.Backbone.InChannels} channel(s) but the images have {images.Shape.Channels}.", nameof(options));
    }

    /// <summary>The epoch's batches from <paramref name="firstStep"/> on: full batches copied ahead by <see cref="BatchProducer"/>, then the partial one.</summary>
    private static IEnumerable<(float[] Pixels, int Step)> Batches(IImageDataset images, int[] order, int batch, int firstStep, int fullBatches,
        float[]? partialPixels, CancellationToken cancellationToken)
    {
        int step = firstStep;
        foreach (var pixels in BatchProducer.Batches(images, order, batch, firstStep, cancellationToken: cancellationToken))
            yield return (pixels, step++);
        if (partialPixels is not null && step <= fullBatches && !cancellationToken.IsCancellationRequested)
        {
            images.CopyImages(order.AsSpan(fullBatches * batch), partialPixels);
            yield return (partialPixels, fullBatches);
        }
    }

    private static void Cancel(TrainingSession session, int epoch, int step, Action<string> log, CancellationToken cancellationToken)
    {
        string? saved = session.SaveCheckpoint("cancelled");
        if (saved != null) log($"Cancelled at epoch {epoch}, step {step}; state saved to '{saved}'.");
        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>The epoch's summary as one log line.</summary>
    private static string EpochLine(TrainingProgress p, string method)
    {
        var line = new System.Text.StringBuilder(string.Create(CultureInfo.InvariantCulture,
            $"Epoch {p.Epoch + 1}/{p.Epochs} ({method}): loss {(double.IsFinite(p.Loss) ? p.Loss.ToString("F4", CultureInfo.InvariantCulture) : "n/a")}"));
        if (double.IsFinite(p.ContrastiveAccuracy)) line.Append(CultureInfo.InvariantCulture, $", accuracy {100 * p.ContrastiveAccuracy:F1}%");
        foreach (var (name, value) in p.Metrics) line.Append(CultureInfo.InvariantCulture, $", {name} {value:0.####}");
        if (p.EmbeddingStd is { } std) line.Append(CultureInfo.InvariantCulture, $", embedding std {std:F3}");
        line.Append(CultureInfo.InvariantCulture, $", lr {p.LearningRate:G3}, {p.ImagesPerSecond:F0} images/s, ETA {p.Eta:hh\\:mm\\:ss}.");
        return line.ToString();
    }
}
