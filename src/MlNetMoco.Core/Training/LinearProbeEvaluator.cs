using System.Runtime.InteropServices;
using MlNetMoco.Core.Data;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Training;

/// <summary>
/// The "does it help on my data?" check as an epoch evaluator: a <see cref="LinearProbe"/> is trained on the pooled
/// features of the labelled <see cref="KnnMonitorData.Train"/> images and scored on the held-out
/// <see cref="KnnMonitorData.Test"/> images (metric <see cref="MetricName"/>), next to the same probe on the raw pixels of
/// the same images (metric <see cref="RawPixelsMetricName"/>, computed once and repeated each epoch). With
/// <see cref="KnnNeighbors"/> set it also reports the k-NN monitor (<see cref="KnnMonitor"/>, metric
/// <see cref="KnnEvaluator.MetricName"/>) on the same features, so the images go through the encoder once per epoch.
/// </summary>
/// <remarks>
/// Raw pixels are the [0, 1] values, flattened; images larger than <see cref="RawPixelSide"/> px a side are first
/// area-averaged down to at most that size, so the baseline stays a few seconds. Features are computed in evaluation
/// mode on the training device in batches of 256 images.
/// </remarks>
public sealed class LinearProbeEvaluator : IEpochEvaluator
{
    /// <summary>The metric of the probe on the encoder's features.</summary>
    public const string MetricName = "linear probe";

    /// <summary>The metric of the same probe on raw pixels.</summary>
    public const string RawPixelsMetricName = "raw-pixel probe";

    /// <summary>Largest side of the raw-pixel baseline's images (larger images are area-averaged down), 32.</summary>
    public const int RawPixelSide = 32;

    private const int BatchSize = 256;
    private double? _rawPixelAccuracy;

    /// <summary>Creates the evaluator.</summary>
    /// <param name="data">Labelled training (probe fit) and held-out (probe score) images; validated here.</param>
    /// <param name="probe">The probe's settings. Default null: <see cref="LinearProbe"/>'s defaults.</param>
    /// <param name="knnNeighbors">Neighbours k of the k-NN monitor reported on the same features; null reports none. Default null.</param>
    /// <param name="knnTemperature">Temperature of the k-NN monitor's weights. Default 0.1 (Wu et al. 2018).</param>
    /// <exception cref="ArgumentException">The data are inconsistent, empty, or hold fewer than 2 classes; or k or t is out of range (named).</exception>
    public LinearProbeEvaluator(KnnMonitorData data, LinearProbe? probe = null, int? knnNeighbors = null, double knnTemperature = MoCoDefaults.KnnTemperature)
    {
        if (knnNeighbors is < 1) throw new ArgumentException($"KnnNeighbors = {knnNeighbors} is not valid: expected at least 1.", "KnnNeighbors");
        if (!(knnTemperature > 0) || double.IsInfinity(knnTemperature))
            throw new ArgumentException($"KnnTemperature = {knnTemperature} is not valid: expected a positive number.", "KnnTemperature");
        KnnNeighbors = knnNeighbors;
        KnnTemperature = knnTemperature;
        ArgumentNullException.ThrowIfNull(data);
        Data = data.Validate();
        if (data.Train.Count == 0 || data.Test.Count == 0)
            throw new ArgumentException("Linear probe: the training and held-out sets must both hold images.", nameof(data));
        if (data.Train.Shape != data.Test.Shape)
            throw new ArgumentException($"Linear probe: the training images are {data.Train.Shape} but the held-out images are {data.Test.Shape}.", nameof(data));
        if (data.ClassCount < 2) throw new ArgumentException("Linear probe: the labels hold fewer than 2 classes.", nameof(data));
        Probe = probe ?? new LinearProbe();
    }

    /// <summary>The labelled images.</summary>
    public KnnMonitorData Data { get; }

    /// <summary>The probe's settings.</summary>
    public LinearProbe Probe { get; }

    /// <summary>Neighbours k of the k-NN monitor reported on the same features, or null for none.</summary>
    public int? KnnNeighbors { get; }

    /// <summary>Temperature of the k-NN monitor's weights.</summary>
    public double KnnTemperature { get; }

    /// <summary>
    /// The probe's held-out accuracy on raw pixels, computed on <paramref name="device"/> the first time and kept
    /// (call it before training to log it up front).
    /// </summary>
    /// <param name="device">Where to run the probe.</param>
    public double RawPixelAccuracy(Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (_rawPixelAccuracy is { } known) return known;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var train = Pixels(Data.Train, device, RawPixels);
        var test = Pixels(Data.Test, device, RawPixels);
        double accuracy = Fit(train, test, device);
        _rawPixelAccuracy = accuracy;
        return accuracy;
    }

    /// <inheritdoc />
    public EpochEvaluation Evaluate(EvaluationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        double raw = RawPixelAccuracy(context.Device);
        using var scope = NewDisposeScope();
        Tensor train, test;
        using (no_grad())
        {
            var encoder = context.Encoder;
            var shape = Data.Train.Shape;
            var dims = new long[] { 1, shape.Channels, 1, 1 };
            var mean = tensor(context.Normalization.Validate(shape.Channels).Mean, dims).to(context.Device);
            var std = tensor(context.Normalization.Std, dims).to(context.Device);
            Tensor Featurize(Tensor x) => encoder.Features(x.sub(mean).div_(std)).reshape(x.shape[0], -1);
            train = Pixels(Data.Train, context.Device, Featurize);
            test = Pixels(Data.Test, context.Device, Featurize);
        }
        var metrics = new Dictionary<string, double>();
        if (KnnNeighbors is { } k)
        {
            using var bankLabels = tensor(Data.TrainLabels.Select(l => (long)l).ToArray()).to(context.Device);
            using var testLabels = tensor(Data.TestLabels.Select(l => (long)l).ToArray()).to(context.Device);
            using var predicted = KnnMonitor.Predict(train, bankLabels, test, Data.ClassCount, k, KnnTemperature);
            metrics[KnnEvaluator.MetricName] = (double)predicted.eq(testLabels).sum().item<long>() / Data.Test.Count;
        }
        metrics[MetricName] = Fit(train, test, context.Device);
        metrics[RawPixelsMetricName] = raw;
        return new EpochEvaluation(metrics);
    }

    private double Fit(Tensor train, Tensor test, Device device)
    {
        using var trainLabels = tensor(Data.TrainLabels.Select(l => (long)l).ToArray()).to(device);
        using var testLabels = tensor(Data.TestLabels.Select(l => (long)l).ToArray()).to(device);
        return Probe.Evaluate(train, trainLabels, test, testLabels, Data.ClassCount).TestAccuracy;
    }

    private static Tensor RawPixels(Tensor x)
    {
        long height = x.shape[2], width = x.shape[3];
        if (height <= RawPixelSide && width <= RawPixelSide) return x.reshape(x.shape[0], -1);
        var pooled = nn.functional.adaptive_avg_pool2d(x, new long[] { Math.Min(height, RawPixelSide), Math.Min(width, RawPixelSide) });
        return pooled.reshape(x.shape[0], -1);
    }

    /// <summary><paramref name="transform"/> of every image of <paramref name="images"/> ([0, 1] pixels on the device), N×D.</summary>
    private static Tensor Pixels(IImageDataset images, Device device, Func<Tensor, Tensor> transform)
    {
        var shape = images.Shape;
        var buffer = new float[(long)Math.Min(BatchSize, images.Count) * shape.Size];
        var chunks = new List<Tensor>();
        for (int start = 0; start < images.Count; start += BatchSize)
        {
            using var step = NewDisposeScope();
            int n = Math.Min(BatchSize, images.Count - start);
            images.CopyImages(Enumerable.Range(start, n).ToArray(), buffer);
            using var cpu = empty(new long[] { n, shape.Channels, shape.Height, shape.Width }, ScalarType.Float32);
            MemoryMarshal.AsBytes(buffer.AsSpan(0, n * shape.Size)).CopyTo(cpu.bytes);
            chunks.Add(transform(cpu.to(device)).to(ScalarType.Float32).MoveToOuterDisposeScope());
        }
        return chunks.Count == 1 ? chunks[0] : cat(chunks, 0);
    }
}
