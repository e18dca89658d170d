using System.Globalization;
using System.Runtime.InteropServices;
using MlNetMoco.Core.Data;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Training;

/// <summary>
/// Early stopping for supervised training (Prechelt 1998): after every epoch the classifier (the encoder with its
/// head, in evaluation mode) scores a labelled validation set; training stops once the validation accuracy has not
/// improved for <see cref="Patience"/> epochs, and at the end the weights of the best epoch are copied back into the
/// encoder, so the exported encoder is the best one seen. Reports the metric "val_accuracy".
/// </summary>
public sealed class ValidationEarlyStopping : IEpochEvaluator, IDisposable
{
    /// <summary>The metric this evaluator adds to each epoch: top-1 accuracy on the validation set, in [0, 1].</summary>
    public const string MetricName = "val_accuracy";

    private readonly IImageDataset _images;
    private readonly int[] _labels;
    private Dictionary<string, Tensor>? _best;

    /// <summary>Creates the evaluator.</summary>
    /// <param name="images">The validation images (values in [0, 1]).</param>
    /// <param name="labels">Their 0-based classes.</param>
    /// <param name="patience">Epochs without improvement before training stops (at least 1). Default 5.</param>
    /// <param name="batchSize">Images per forward pass (speed and memory only). Default 256.</param>
    /// <exception cref="ArgumentException">No images, a label count that differs, a negative label, or patience below 1.</exception>
    public ValidationEarlyStopping(IImageDataset images, int[] labels, int patience = MoCoDefaults.FineTuneEarlyStoppingPatience, int batchSize = 256)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        if (images.Count == 0) throw new ArgumentException("The validation set is empty.", nameof(images));
        if (labels.Length != images.Count) throw new ArgumentException($"The validation set has {images.Count} images but {labels.Length} labels.", nameof(labels));
        if (labels.Any(l => l < 0)) throw new ArgumentException("Validation labels must be 0-based class indices.", nameof(labels));
        if (patience < 1) throw new ArgumentException($"EarlyStoppingPatience = {patience} is not valid: expected at least 1.", "EarlyStoppingPatience");
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "At least 1.");
        _images = images;
        _labels = labels;
        Patience = patience;
        BatchSize = batchSize;
    }

    /// <summary>Epochs without improvement before training stops.</summary>
    public int Patience { get; }

    /// <summary>Images per forward pass.</summary>
    public int BatchSize { get; }

    /// <summary>The best validation accuracy so far (NaN before the first epoch).</summary>
    public double BestAccuracy { get; private set; } = double.NaN;

    /// <summary>The zero-based epoch of <see cref="BestAccuracy"/> (-1 before the first epoch).</summary>
    public int BestEpoch { get; private set; } = -1;

    /// <inheritdoc />
    public EpochEvaluation Evaluate(EvaluationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        double accuracy = Accuracy(context);
        if (!(accuracy <= BestAccuracy)) // first epoch (NaN) or better
        {
            BestAccuracy = accuracy;
            BestEpoch = context.Epoch;
            Snapshot(context);
        }
        var metrics = new Dictionary<string, double> { [MetricName] = accuracy };
        int stale = context.Epoch - BestEpoch;
        return stale >= Patience
            ? new EpochEvaluation(metrics)
            {
                StopTraining = true,
                StopReason = string.Create(CultureInfo.InvariantCulture,
                    $"validation accuracy did not improve for {stale} epochs (best {BestAccuracy:P1} at epoch {BestEpoch + 1})"),
            }
            : new EpochEvaluation(metrics);
    }

    /// <summary>Copies the weights and buffers of the best epoch back into the encoder.</summary>
    public void TrainingEnded(EvaluationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (_best is null) return;
        using var noGrad = no_grad();
        foreach (var (name, value) in context.Encoder.state_dict())
            if (_best.TryGetValue(name, out var best)) value.copy_(best);
    }

    /// <summary>Releases the stored best weights.</summary>
    public void Dispose()
    {
        if (_best is null) return;
        foreach (var t in _best.Values) t.Dispose();
        _best = null;
    }

    private void Snapshot(EvaluationContext context)
    {
        Dispose();
        _best = context.Encoder.state_dict().ToDictionary(p => p.Key, p => p.Value.detach().clone());
    }

    private double Accuracy(EvaluationContext context)
    {
        var shape = _images.Shape;
        var dims = new long[] { 1, shape.Channels, 1, 1 };
        var pixels = new float[Math.Min(BatchSize, _images.Count) * shape.Size];
        long correct = 0;
        using var noGrad = no_grad();
        for (int start = 0; start < _images.Count; start += BatchSize)
        {
            using var scope = NewDisposeScope();
            int n = Math.Min(BatchSize, _images.Count - start);
            _images.CopyImages(Enumerable.Range(start, n).ToArray(), pixels);
            var cpu = empty(new long[] { n, shape.Channels, shape.Height, shape.Width }, ScalarType.Float32);
            MemoryMarshal.AsBytes(pixels.AsSpan(0, n * shape.Size)).CopyTo(cpu.bytes);
            var x = cpu.to(context.Device).sub(tensor(context.Normalization.Mean, dims).to(context.Device))
                .div_(tensor(context.Normalization.Std, dims).to(context.Device));
            var predicted = context.Encoder.call(x).argmax(1).cpu();
            var truth = tensor(_labels.AsSpan(start, n).ToArray().Select(l => (long)l).ToArray());
            correct += predicted.eq(truth).sum().item<long>();
        }
        return correct / (double)_images.Count;
    }
}
