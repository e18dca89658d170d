using System.Diagnostics;
using MlNetMoco.Core.Augmentations;
using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Data;
using MlNetMoco.Core.Devices;
using MlNetMoco.Core.Inference;
using MlNetMoco.Core.Methods;
using MlNetMoco.Core.Optimization;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Training;

/// <summary>
/// Trains a backbone with a linear classifier (in its <c>fc</c> slot) by cross-entropy on labelled images: the
/// supervised baseline, or fine-tuning when started from a pretrained encoder.
/// </summary>
public static class SupervisedTrainer
{
    /// <summary>Trains and returns the encoder; its projection output is the classifier's logits (one per class).</summary>
    /// <param name="images">Labelled images (values in [0, 1]).</param>
    /// <param name="labels">0-based class of each image.</param>
    /// <param name="options">Settings.</param>
    /// <param name="normalization">Per-channel mean/std; null computes them from <paramref name="images"/>.</param>
    /// <param name="initializeFrom">A pretrained encoder whose backbone weights (all but <c>fc</c>) start the training: fine-tuning.</param>
    /// <param name="progress">A report per step and per epoch (ContrastiveAccuracy holds the training accuracy).</param>
    /// <param name="cancellationToken">Checked between steps.</param>
    public static TrainedEncoder Train(IImageDataset images, int[] labels, SupervisedOptions options,
        ImageNormalization? normalization = null, TrainedEncoder? initializeFrom = null,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        options.Validate();
        if (labels.Length != images.Count) throw new ArgumentException($"{images.Count} images but {labels.Length} labels.", nameof(labels));
        if (images.Count == 0) throw new ArgumentException("No labelled images.", nameof(images));
        if (labels.Any(l => l < 0)) throw new ArgumentException("Labels must be 0-based class indices.", nameof(labels));
        int classes = labels.Max() + 1;
        var shape = images.Shape;
        var device = DeviceSelector.Resolve(options.Device);
        normalization = (normalization ?? DatasetStatistics.Compute(images)).Validate(shape.Channels);

        var spec = options.Backbone with { BatchNormSplits = 1 };
        int featureDim = BackboneFactory.FeatureDimOf(spec);
        using var network = BackboneFactory.Create(spec, nn.Linear(featureDim, classes));
        using (var init = new Generator((ulong)Seeds.Mix(options.Seed, -1)))
            SeededInitialization.Apply(network, init);
        if (initializeFrom != null)
        {
            var backboneOnly = initializeFrom.Network.state_dict().Where(kv => !kv.Key.StartsWith("fc.", StringComparison.Ordinal))
                .Select(kv => (kv.Key, kv.Value)).ToList();
            var target = network.state_dict().Where(kv => !kv.Key.StartsWith("fc.", StringComparison.Ordinal)).ToDictionary(kv => kv.Key, kv => kv.Value);
            using var noGrad = no_grad();
            foreach (var (name, tensor) in backboneOnly)
            {
                if (!target.TryGetValue(name, out var t) || !t.shape.SequenceEqual(tensor.shape))
                    throw new ArgumentException($"The pretrained encoder does not match {spec.Kind}: '{name}'.", nameof(initializeFrom));
                t.copy_(tensor);
            }
        }
        network.to(device).train();

        using var sgd = new Sgd(network.named_parameters().Select(p => (p.name, p.parameter)), options.Momentum, options.WeightDecay);
        var augmentation = new AugmentationPipeline(
            new RandomResizedCrop(shape.Height, shape.Width, options.CropScaleMin, 1.0),
            new RandomHorizontalFlip(),
            new Normalize(normalization.Mean, normalization.Std));
        using var generator = new Generator(0);
        int steps = (images.Count + options.BatchSize - 1) / options.BatchSize;
        var clock = Stopwatch.StartNew();
        long done = 0, total = (long)steps * options.Epochs;
        // Two reused pixel buffers (full batches, and the last partial one): no allocation per step.
        var fullBatch = new float[Math.Min(options.BatchSize, images.Count) * shape.Size];
        var lastBatch = new float[(images.Count - (steps - 1) * options.BatchSize) * shape.Size];

        for (int epoch = 0; epoch < options.Epochs; epoch++)
        {
            var order = Seeds.EpochOrder(options.Seed, epoch, images.Count);
            double lossSum = 0, accSum = 0;
            for (int step = 0; step < steps; step++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var indices = order.AsSpan(step * options.BatchSize, Math.Min(options.BatchSize, images.Count - step * options.BatchSize));
                var pixels = indices.Length * shape.Size == fullBatch.Length ? fullBatch : lastBatch;
                images.CopyImages(indices, pixels);
                var batchLabels = new long[indices.Length];
                for (int i = 0; i < indices.Length; i++) batchLabels[i] = labels[indices[i]];

                generator.manual_seed(Seeds.Mix(options.Seed, epoch, step));
                var x = augmentation.Apply(tensor(pixels, new long[] { indices.Length, shape.Channels, shape.Height, shape.Width }).to(device), generator);
                var y = tensor(batchLabels).to(device);
                var logits = network.call(x);
                var loss = nn.functional.cross_entropy(logits, y);
                sgd.ZeroGrad();
                loss.backward();
                sgd.LearningRate = options.LearningRate * 0.5 * (1 + Math.Cos(Math.PI * (epoch * (double)steps + step) / total));
                sgd.Step();

                double l = loss.item<float>();
                double acc = logits.argmax(1).eq(y).to_type(ScalarType.Float32).mean().item<float>();
                lossSum += l;
                accSum += acc;
                done++;
                progress?.Report(new TrainingProgress(epoch, options.Epochs, step, steps, l, sgd.LearningRate, acc,
                    done * options.BatchSize / clock.Elapsed.TotalSeconds, TimeSpan.FromSeconds(clock.Elapsed.TotalSeconds / done * (total - done))));
            }
            progress?.Report(new TrainingProgress(epoch, options.Epochs, steps - 1, steps, lossSum / steps, sgd.LearningRate, accSum / steps,
                done * options.BatchSize / clock.Elapsed.TotalSeconds, TimeSpan.FromSeconds(clock.Elapsed.TotalSeconds / done * (total - done)), EndOfEpoch: true));
        }

        var description = new EncoderDescription(spec, MoCoVersion.V1, classes, shape, normalization)
        {
            Metadata = new Dictionary<string, string> { ["method"] = "supervised", ["classes"] = classes.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        };
        return TrainedEncoder.FromNetwork(network, description, device);
    }
}
