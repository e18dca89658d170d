using System.Runtime.InteropServices;
using MlNetMoco.Core.Data;
using MlNetMoco.Core.Inference;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Training;

/// <summary>
/// The weighted k-nearest-neighbour monitor of the MoCo CIFAR demo (Wu et al. 2018, "Unsupervised Feature Learning
/// via Non-Parametric Instance Discrimination"): the pooled features of the memory-bank (train) images and of the
/// test images are L2-normalised; each test image takes its k most cosine-similar bank images, weights each by
/// exp(similarity / t), sums the weights per class and predicts the class with the largest sum.
/// </summary>
public static class KnnMonitor
{
    /// <summary>Default number of neighbours, as in the MoCo CIFAR demo.</summary>
    public const int DefaultNeighbors = 200;

    /// <summary>Default temperature t of the exp(similarity / t) weights, as in the MoCo CIFAR demo.</summary>
    public const double DefaultTemperature = 0.1;

    /// <summary>
    /// Top-1 k-NN accuracy of a live network, e.g. the trainer's query encoder. <paramref name="featurize"/> is called
    /// under no_grad on batches of at most <paramref name="batchSize"/> images that are already normalised and on
    /// <paramref name="device"/>; the caller puts the network in evaluation mode beforehand (and back afterwards).
    /// </summary>
    /// <param name="featurize">Normalised N×C×H×W images on <paramref name="device"/> → N×D features (any further dimensions are flattened). Its results are disposed here.</param>
    /// <param name="normalization">Per-channel (x − mean)/std applied to the [0, 1] pixels.</param>
    /// <param name="device">Where the images are sent and the similarities computed.</param>
    /// <param name="data">Labelled memory-bank and test images (same shape).</param>
    /// <param name="k">Number of neighbours (capped at the bank size). Default 200.</param>
    /// <param name="temperature">Temperature t of the weights (positive). Default 0.1.</param>
    /// <param name="batchSize">Images per forward pass and test images per similarity chunk. Default 256.</param>
    /// <returns>The fraction of test images whose predicted class equals their label.</returns>
    /// <exception cref="ArgumentException">An argument is out of range, the data are inconsistent or empty.</exception>
    public static double Evaluate(Func<Tensor, Tensor> featurize, ImageNormalization normalization, Device device,
        KnnMonitorData data, int k = DefaultNeighbors, double temperature = DefaultTemperature, int batchSize = 256)
    {
        ArgumentNullException.ThrowIfNull(featurize);
        ArgumentNullException.ThrowIfNull(normalization);
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(data);
        var shape = data.Train.Shape;
        normalization.Validate(shape.Channels);
        var dims = new long[] { 1, shape.Channels, 1, 1 };

        return Run(data, k, temperature, batchSize, device, (pixels, n) =>
        {
            using var cpu = empty(new long[] { n, shape.Channels, shape.Height, shape.Width }, ScalarType.Float32);
            MemoryMarshal.AsBytes(pixels.AsSpan(0, n * shape.Size)).CopyTo(cpu.bytes);
            using var mean = tensor(normalization.Mean, dims).to(device);
            using var std = tensor(normalization.Std, dims).to(device);
            using var x = cpu.to(device).sub(mean).div_(std);
            return featurize(x);
        });
    }

    /// <summary>
    /// Top-1 k-NN accuracy of the pooled features of <paramref name="encoder"/> (as <see cref="TrainedEncoder.Extract"/>
    /// computes them), on the encoder's device.
    /// </summary>
    /// <param name="encoder">The encoder; its input shape must be the images' shape.</param>
    /// <param name="data">Labelled memory-bank and test images.</param>
    /// <param name="k">Number of neighbours (capped at the bank size). Default 200.</param>
    /// <param name="temperature">Temperature t of the weights (positive). Default 0.1.</param>
    /// <param name="batchSize">Images per forward pass and test images per similarity chunk. Default 256.</param>
    /// <returns>The fraction of test images whose predicted class equals their label.</returns>
    public static double Evaluate(TrainedEncoder encoder, KnnMonitorData data, int k = DefaultNeighbors,
        double temperature = DefaultTemperature, int batchSize = 256)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(data);
        if (data.Train.Shape != encoder.InputShape)
            throw new ArgumentException($"k-NN monitor: the images are {data.Train.Shape} but the encoder takes {encoder.InputShape}.", nameof(data));
        int featureDim = encoder.FeatureDim;
        return Run(data, k, temperature, batchSize, encoder.Device, (pixels, n) =>
        {
            var features = new float[(long)n * featureDim];
            encoder.Extract(pixels, n, features);
            return tensor(features, new long[] { n, featureDim });
        });
    }

    /// <summary>
    /// The vote itself, on precomputed features: <paramref name="bankFeatures"/> (M×D) with <paramref name="bankLabels"/>
    /// (M, int64) and <paramref name="testFeatures"/> (N×D), all on one device; the features are L2-normalised here.
    /// Returns the predicted class of each test row (N, int64).
    /// </summary>
    /// <param name="bankFeatures">Memory-bank features, M×D.</param>
    /// <param name="bankLabels">Memory-bank labels, M, 0-based, int64.</param>
    /// <param name="testFeatures">Features to classify, N×D.</param>
    /// <param name="classCount">Number of classes (greater than every label).</param>
    /// <param name="k">Number of neighbours (capped at M).</param>
    /// <param name="temperature">Temperature t of the weights (positive).</param>
    public static Tensor Predict(Tensor bankFeatures, Tensor bankLabels, Tensor testFeatures, int classCount, int k, double temperature)
    {
        ArgumentNullException.ThrowIfNull(bankFeatures);
        ArgumentNullException.ThrowIfNull(bankLabels);
        ArgumentNullException.ThrowIfNull(testFeatures);
        if (bankFeatures.ndim != 2 || testFeatures.ndim != 2 || bankFeatures.shape[1] != testFeatures.shape[1])
            throw new ArgumentException("k-NN monitor: features must be M×D and N×D with the same D.");
        if (bankLabels.ndim != 1 || bankLabels.shape[0] != bankFeatures.shape[0])
            throw new ArgumentException("k-NN monitor: one bank label per bank row is needed.", nameof(bankLabels));
        CheckArguments(k, temperature, 1);
        if (classCount < 1) throw new ArgumentOutOfRangeException(nameof(classCount), classCount, "At least one class is needed.");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var bank = nn.functional.normalize(bankFeatures.to(ScalarType.Float32), p: 2, dim: 1);
        var test = nn.functional.normalize(testFeatures.to(ScalarType.Float32), p: 2, dim: 1);
        return Vote(bank, bankLabels.to(ScalarType.Int64), test, classCount, (int)Math.Min(k, bankFeatures.shape[0]), temperature)
            .MoveToOuterDisposeScope();
    }

    private static double Run(KnnMonitorData data, int k, double temperature, int batchSize, Device device, Func<float[], int, Tensor> featuresOf)
    {
        data.Validate();
        CheckArguments(k, temperature, batchSize);
        var shape = data.Train.Shape;
        if (data.Test.Shape != shape)
            throw new ArgumentException($"k-NN monitor: memory-bank images are {shape} but test images are {data.Test.Shape}.", nameof(data));
        if (data.Train.Count == 0 || data.Test.Count == 0)
            throw new ArgumentException("k-NN monitor: the memory bank and the test set must both hold images.", nameof(data));
        int classCount = data.ClassCount;
        int neighbors = Math.Min(k, data.Train.Count);
        var pixels = new float[(long)batchSize * shape.Size];

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var bank = Features(data.Train, batchSize, pixels, device, featuresOf);
        var bankLabels = tensor(data.TrainLabels.Select(l => (long)l).ToArray()).to(device);
        long correct = 0;
        for (int start = 0; start < data.Test.Count; start += batchSize)
        {
            using var step = NewDisposeScope();
            int n = Math.Min(batchSize, data.Test.Count - start);
            var test = Batch(data.Test, start, n, pixels, device, featuresOf);
            var predicted = Vote(bank, bankLabels, test, classCount, neighbors, temperature);
            var labels = tensor(data.TestLabels.Skip(start).Take(n).Select(l => (long)l).ToArray()).to(device);
            correct += predicted.eq(labels).sum().item<long>();
        }
        return (double)correct / data.Test.Count;
    }

    private static Tensor Vote(Tensor bank, Tensor bankLabels, Tensor test, int classCount, int k, double temperature)
    {
        using var scope = NewDisposeScope();
        var similarity = test.mm(bank.t());                                   // N×M cosine similarities
        var (topSimilarity, topIndex) = similarity.topk(k, dim: 1);           // N×k
        var topLabels = bankLabels.index_select(0, topIndex.flatten()).view(topIndex.shape);
        using var t = temperature.ToScalar();
        var weights = topSimilarity.div(t).exp_();
        var scores = zeros(new long[] { test.shape[0], classCount }, ScalarType.Float32, test.device)
            .scatter_add_(1, topLabels, weights);                            // N×C summed weights per class
        return scores.argmax(1).MoveToOuterDisposeScope();
    }

    // L2-normalised features of all images of the set, M×D, on the device.
    private static Tensor Features(IImageDataset images, int batchSize, float[] pixels, Device device, Func<float[], int, Tensor> featuresOf)
    {
        var chunks = new List<Tensor>();
        for (int start = 0; start < images.Count; start += batchSize)
        {
            using var step = NewDisposeScope(); // activations of the forward pass die here
            int n = Math.Min(batchSize, images.Count - start);
            chunks.Add(Batch(images, start, n, pixels, device, featuresOf).MoveToOuterDisposeScope());
        }
        return chunks.Count == 1 ? chunks[0] : cat(chunks, 0);
    }

    private static Tensor Batch(IImageDataset images, int start, int n, float[] pixels, Device device, Func<float[], int, Tensor> featuresOf)
    {
        var indices = Enumerable.Range(start, n).ToArray();
        images.CopyImages(indices, pixels);
        var raw = featuresOf(pixels, n);
        if (raw.shape[0] != n)
            throw new InvalidOperationException($"k-NN monitor: the featurizer returned {raw.shape[0]} rows for {n} images.");
        return nn.functional.normalize(raw.reshape(n, -1).to(ScalarType.Float32).to(device), p: 2, dim: 1);
    }

    private static void CheckArguments(int k, double temperature, int batchSize)
    {
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), k, "k-NN monitor: k must be at least 1.");
        if (!(temperature > 0) || double.IsInfinity(temperature))
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "k-NN monitor: the temperature must be positive and finite.");
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "k-NN monitor: the batch size must be at least 1.");
    }
}
