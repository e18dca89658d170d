using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Data;
using MlNetMoco.Core.Training;
using TorchSharp;

namespace MlNetMoco.Core.Tests.Training;

/// <summary>The report's evaluator: the probe on the encoder's features next to the same probe on raw pixels.</summary>
public class LinearProbeEvaluatorTests
{
    /// <summary>Two classes that look different: a bright left half or a bright right half, with noise.</summary>
    internal static (InMemoryImageDataset Images, int[] Labels) Halves(int count, int size, int seed)
    {
        var random = new Random(seed);
        var images = new InMemoryImageDataset(new ImageShape(1, size, size), count);
        var labels = new int[count];
        var pixels = new float[size * size];
        for (int n = 0; n < count; n++)
        {
            int label = n % 2;
            for (int y = 0; y < size; y++)
                for (int x = 0; x < size; x++)
                    pixels[y * size + x] = (float)Math.Clamp(((x < size / 2) == (label == 0) ? 0.8 : 0.2) + 0.3 * (random.NextDouble() - 0.5), 0, 1);
            images.Add(pixels);
            labels[n] = label;
        }
        return (images, labels);
    }

    private static KnnMonitorData Data(int size = 12)
    {
        var (train, trainLabels) = Halves(60, size, seed: 1);
        var (test, testLabels) = Halves(40, size, seed: 2);
        return new KnnMonitorData(train, trainLabels, test, testLabels);
    }

    [Fact]
    public void It_reports_the_probe_on_features_and_on_raw_pixels()
    {
        var data = Data();
        var evaluator = new LinearProbeEvaluator(data);
        using var encoder = BackboneFactory.Create(new BackboneSpec(BackboneKind.SmallConvNet, InChannels: 1));
        encoder.eval();
        var context = new EvaluationContext(encoder, new ImageNormalization([0.5f], [0.25f]), torch.CPU, 0, 1, new Dictionary<string, double>());
        var result = evaluator.Evaluate(context);

        Assert.Equal(2, result.Metrics.Count);
        Assert.Equal(1.0, result.Metrics[LinearProbeEvaluator.RawPixelsMetricName]); // the halves are linearly separable
        Assert.InRange(result.Metrics[LinearProbeEvaluator.MetricName], 0.5, 1.0);    // a random encoder keeps some of it
        Assert.False(result.StopTraining);
        Assert.Equal(result.Metrics[LinearProbeEvaluator.RawPixelsMetricName], evaluator.RawPixelAccuracy(torch.CPU));
        Assert.Equal(result.Metrics, evaluator.Evaluate(context).Metrics); // the same encoder gives the same figures
    }

    [Fact]
    public void With_k_it_also_reports_the_knn_monitor_of_KnnEvaluator_on_the_same_features()
    {
        var data = Data();
        using var encoder = BackboneFactory.Create(new BackboneSpec(BackboneKind.SmallConvNet, InChannels: 1));
        encoder.eval();
        var context = new EvaluationContext(encoder, new ImageNormalization([0.5f], [0.25f]), torch.CPU, 0, 1, new Dictionary<string, double>());
        var both = new LinearProbeEvaluator(data, knnNeighbors: 5).Evaluate(context).Metrics;
        double knn = new KnnEvaluator(data, neighbors: 5).Evaluate(context).Metrics[KnnEvaluator.MetricName];
        Assert.Equal(knn, both[KnnEvaluator.MetricName]);
        Assert.Equal(3, both.Count);
        Assert.Throws<ArgumentException>(() => new LinearProbeEvaluator(data, knnNeighbors: 0));
    }

    [Fact]
    public void Large_images_are_area_averaged_for_the_raw_pixel_baseline()
    {
        var evaluator = new LinearProbeEvaluator(Data(size: 40));
        Assert.Equal(1.0, evaluator.RawPixelAccuracy(torch.CPU));
    }

    [Fact]
    public void Data_with_one_class_or_no_held_out_rows_is_refused()
    {
        var (images, labels) = Halves(10, 8, seed: 1);
        Assert.Throws<ArgumentException>(() => new LinearProbeEvaluator(new KnnMonitorData(images, new int[10], images, new int[10])));
        var empty = new InMemoryImageDataset(images.Shape);
        Assert.Throws<ArgumentException>(() => new LinearProbeEvaluator(new KnnMonitorData(images, labels, empty, [])));
    }
}
