using MlNetMoco.Core.Training;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Tests.Training;

/// <summary>The report's quick linear probe: it learns what is linearly separable, not what is not, and repeats itself.</summary>
public class LinearProbeTests
{
    /// <summary>Gaussian blobs in <paramref name="dim"/> dimensions, one per class at ±<paramref name="separation"/> on its own axis; or random labels.</summary>
    private static (Tensor X, Tensor Y) Blobs(int count, int classes, int dim, double separation, int seed, bool randomLabels = false)
    {
        var random = new Random(seed);
        var x = new float[count * dim];
        var y = new long[count];
        for (int n = 0; n < count; n++)
        {
            int label = n % classes;
            for (int d = 0; d < dim; d++)
                x[n * dim + d] = (float)((d == label ? separation : 0) + Normal(random));
            y[n] = randomLabels ? random.Next(classes) : label;
        }
        return (tensor(x, new long[] { count, dim }), tensor(y));
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    [Fact]
    public void It_separates_well_separated_classes_on_held_out_rows()
    {
        var (trainX, trainY) = Blobs(300, 3, 8, separation: 6, seed: 1);
        var (testX, testY) = Blobs(150, 3, 8, separation: 6, seed: 2);
        var result = new LinearProbe().Evaluate(trainX, trainY, testX, testY, classCount: 3);
        Assert.True(result.TestAccuracy >= 0.97, $"test accuracy {result.TestAccuracy}");
        Assert.True(result.TrainAccuracy >= 0.97, $"train accuracy {result.TrainAccuracy}");
        Assert.True(result.FinalLoss < 0.2, $"loss {result.FinalLoss}");
    }

    [Fact]
    public void It_learns_under_no_grad_too()
    {
        var (trainX, trainY) = Blobs(200, 2, 4, separation: 6, seed: 1);
        var (testX, testY) = Blobs(100, 2, 4, separation: 6, seed: 2);
        using var noGrad = no_grad();
        Assert.True(new LinearProbe().Evaluate(trainX, trainY, testX, testY, 2).TestAccuracy >= 0.97);
    }

    [Fact]
    public void It_stays_near_chance_when_the_labels_are_random()
    {
        var (trainX, trainY) = Blobs(300, 2, 8, separation: 6, seed: 1, randomLabels: true);
        var (testX, testY) = Blobs(400, 2, 8, separation: 6, seed: 2, randomLabels: true);
        var result = new LinearProbe().Evaluate(trainX, trainY, testX, testY, classCount: 2);
        Assert.InRange(result.TestAccuracy, 0.35, 0.65);
    }

    [Fact]
    public void The_same_seed_gives_the_same_fit_and_another_seed_another_start()
    {
        var (trainX, trainY) = Blobs(200, 4, 16, separation: 2, seed: 3);
        var (testX, testY) = Blobs(100, 4, 16, separation: 2, seed: 4);
        var first = new LinearProbe(seed: 7).Evaluate(trainX, trainY, testX, testY, 4);
        var again = new LinearProbe(seed: 7).Evaluate(trainX, trainY, testX, testY, 4);
        var other = new LinearProbe(seed: 8, steps: 3).Evaluate(trainX, trainY, testX, testY, 4);
        var otherStart = new LinearProbe(seed: 7, steps: 3).Evaluate(trainX, trainY, testX, testY, 4);
        Assert.Equal(first, again);
        Assert.NotEqual(otherStart.FinalLoss, other.FinalLoss); // the seed draws the initial weights
    }

    [Fact]
    public void Bad_labels_and_settings_are_refused()
    {
        var (x, y) = Blobs(10, 2, 3, 1, seed: 1);
        Assert.Throws<ArgumentException>(() => new LinearProbe().Evaluate(x, y, x, y.add(tensor(5L)), 2));
        Assert.Throws<ArgumentException>(() => new LinearProbe().Evaluate(x, y, x[..4], y, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LinearProbe(steps: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LinearProbe(learningRate: double.NaN));
    }
}
