using MlNetMoco.Core.Data;
using MlNetMoco.Core.Tests.Inference;
using MlNetMoco.Core.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Tests.Training;

public class KnnMonitorTests
{
    private static readonly ImageShape Shape = new(1, 2, 3);

    /// <summary>(x − 0.5)/0.5 maps [0, 1] to [−1, 1], so raw pixels can point anywhere.</summary>
    private static readonly ImageNormalization Centered = new(new[] { 0.5f }, new[] { 0.5f });

    /// <summary>The flattened normalised pixels are the features.</summary>
    private static Tensor Identity(Tensor x) => x.reshape(x.shape[0], -1);

    private static (InMemoryImageDataset Images, int[] Labels) Set(int count, int classes, double noise, Random random, bool randomLabels = false)
    {
        var images = new InMemoryImageDataset(Shape, count);
        var labels = new int[count];
        var pixels = new float[Shape.Size];
        for (int n = 0; n < count; n++)
        {
            int label = n % classes;
            for (int i = 0; i < pixels.Length; i++)
            {
                double center = randomLabels ? random.NextDouble() : (i == label ? 0.95 : 0.3);
                pixels[i] = (float)Math.Clamp(center + noise * (random.NextDouble() - 0.5), 0, 1);
            }
            images.Add(pixels);
            labels[n] = randomLabels ? random.Next(classes) : label;
        }
        return (images, labels);
    }

    private static KnnMonitorData Data(int train, int test, int classes, double noise, int seed, bool randomLabels = false)
    {
        var random = new Random(seed);
        var (trainImages, trainLabels) = Set(train, classes, noise, random, randomLabels);
        var (testImages, testLabels) = Set(test, classes, noise, random, randomLabels);
        return new KnnMonitorData(trainImages, trainLabels, testImages, testLabels);
    }

    /// <summary>The monitor written sample by sample from the formula (Wu et al. 2018), in double precision.</summary>
    private static double Naive(KnnMonitorData data, int k, double t)
    {
        double[][] Features(IImageDataset images)
        {
            var result = new double[images.Count][];
            var pixels = new float[images.Shape.Size];
            for (int n = 0; n < images.Count; n++)
            {
                images.CopyImages(new[] { n }, pixels);
                var v = pixels.Select(p => (p - 0.5) / 0.5).ToArray();
                double norm = Math.Sqrt(v.Sum(x => x * x));
                result[n] = v.Select(x => x / norm).ToArray();
            }
            return result;
        }

        var bank = Features(data.Train);
        var test = Features(data.Test);
        int classes = data.ClassCount, neighbors = Math.Min(k, bank.Length), correct = 0;
        for (int q = 0; q < test.Length; q++)
        {
            var similarities = bank.Select((b, i) => (Sim: b.Zip(test[q], (x, y) => x * y).Sum(), Index: i))
                .OrderByDescending(s => s.Sim).Take(neighbors);
            var votes = new double[classes];
            foreach (var (sim, index) in similarities) votes[data.TrainLabels[index]] += Math.Exp(sim / t);
            int predicted = Array.IndexOf(votes, votes.Max());
            if (predicted == data.TestLabels[q]) correct++;
        }
        return (double)correct / test.Length;
    }

    [Fact]
    public void Well_separated_clusters_are_classified_perfectly()
    {
        var data = Data(train: 60, test: 30, classes: 6, noise: 0.2, seed: 1);
        double accuracy = KnnMonitor.Evaluate(Identity, Centered, CPU, data, k: 10, temperature: 0.1);
        Assert.Equal(1.0, accuracy);
    }

    [Fact]
    public void Random_labels_give_about_chance()
    {
        var data = Data(train: 300, test: 300, classes: 4, noise: 0, seed: 2, randomLabels: true);
        double accuracy = KnnMonitor.Evaluate(Identity, Centered, CPU, data);
        Assert.InRange(accuracy, 0.12, 0.38); // chance 0.25, binomial std ≈ 0.025
    }

    [Theory]
    [InlineData(1, 0.1)]
    [InlineData(7, 0.1)]
    [InlineData(20, 0.5)]
    [InlineData(500, 0.07)] // more than the bank: capped
    public void Matches_a_naive_per_sample_implementation(int k, double t)
    {
        var data = Data(train: 120, test: 80, classes: 5, noise: 1.6, seed: 3);
        double expected = Naive(data, k, t);
        double accuracy = KnnMonitor.Evaluate(Identity, Centered, CPU, data, k, t);
        Assert.Equal(expected, accuracy, 10);
        Assert.InRange(accuracy, 0.05, 0.99); // a non-trivial case
    }

    [Fact]
    public void The_batch_size_does_not_change_the_result()
    {
        var data = Data(train: 50, test: 23, classes: 3, noise: 1.4, seed: 4);
        double whole = KnnMonitor.Evaluate(Identity, Centered, CPU, data, k: 9, batchSize: 1000);
        Assert.Equal(whole, KnnMonitor.Evaluate(Identity, Centered, CPU, data, k: 9, batchSize: 7));
        Assert.Equal(whole, KnnMonitor.Evaluate(Identity, Centered, CPU, data, k: 9, batchSize: 1));
    }

    [Fact]
    public void Predict_votes_with_exponential_weights()
    {
        // Bank: two class-0 points near the query, three class-1 points a little farther; k = 5.
        using var bank = tensor(new float[] { 1, 0.05f, 1, -0.05f, 0.8f, 0.6f, 0.8f, -0.6f, 0.7f, 0.7f }, 5, 2);
        using var labels = tensor(new long[] { 0, 0, 1, 1, 1 });
        using var query = tensor(new float[] { 1, 0 }, 1, 2);
        // t = 0.1: exp(10·0.999)·2 ≫ 3·exp(10·0.8) → class 0; t = 10: weights almost equal → majority, class 1.
        using var sharp = KnnMonitor.Predict(bank, labels, query, 2, 5, 0.1);
        using var flat = KnnMonitor.Predict(bank, labels, query, 2, 5, 10);
        Assert.Equal(0L, sharp.item<long>());
        Assert.Equal(1L, flat.item<long>());
    }

    [Fact]
    public void The_trained_encoder_overload_uses_its_pooled_features()
    {
        using var encoder = EncoderTestData.Encoder();
        var random = new Random(6);
        InMemoryImageDataset Images(int count)
        {
            var set = new InMemoryImageDataset(encoder.InputShape, count);
            var pixels = new float[encoder.InputShape.Size];
            for (int n = 0; n < count; n++)
            {
                for (int i = 0; i < pixels.Length; i++) pixels[i] = (float)random.NextDouble();
                set.Add(pixels);
            }
            return set;
        }
        var data = new KnnMonitorData(Images(24), Enumerable.Range(0, 24).Select(i => i % 3).ToArray(),
            Images(12), Enumerable.Range(0, 12).Select(i => i % 3).ToArray());

        double viaEncoder = KnnMonitor.Evaluate(encoder, data, k: 5, batchSize: 8);
        double viaNetwork = KnnMonitor.Evaluate(x => encoder.Network.Features(x), encoder.Normalization, encoder.Device, data, k: 5, batchSize: 8);
        Assert.Equal(viaNetwork, viaEncoder);
    }

    [Fact]
    public void Bad_arguments_are_rejected()
    {
        var data = Data(train: 6, test: 3, classes: 2, noise: 0.1, seed: 5);
        Assert.Throws<ArgumentOutOfRangeException>(() => KnnMonitor.Evaluate(Identity, Centered, CPU, data, k: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => KnnMonitor.Evaluate(Identity, Centered, CPU, data, temperature: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => KnnMonitor.Evaluate(Identity, Centered, CPU, data, batchSize: 0));
        var unlabeled = data with { TestLabels = new int[2] };
        Assert.Throws<ArgumentException>(() => KnnMonitor.Evaluate(Identity, Centered, CPU, unlabeled));
        var empty = data with { Test = new InMemoryImageDataset(Shape), TestLabels = Array.Empty<int>() };
        Assert.Throws<ArgumentException>(() => KnnMonitor.Evaluate(Identity, Centered, CPU, empty));
    }

    [Fact]
    public void No_tensor_is_left_behind()
    {
        var data = Data(train: 20, test: 10, classes: 2, noise: 0.5, seed: 7);
        KnnMonitor.Evaluate(Identity, Centered, CPU, data, k: 3, batchSize: 4);
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        KnnMonitor.Evaluate(Identity, Centered, CPU, data, k: 3, batchSize: 4);
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}
