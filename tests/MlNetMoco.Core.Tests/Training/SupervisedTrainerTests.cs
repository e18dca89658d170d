using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Data;
using MlNetMoco.Core.Training;

namespace MlNetMoco.Core.Tests.Training;

public class SupervisedTrainerTests
{
    /// <summary>Class 0: horizontal stripes; class 1: vertical stripes (orientation survives crops and flips).</summary>
    private static (InMemoryImageDataset Images, int[] Labels) Stripes(int count)
    {
        var data = new InMemoryImageDataset(new ImageShape(1, 12, 12));
        var labels = new int[count];
        var random = new Random(4);
        var pixels = new float[144];
        for (int n = 0; n < count; n++)
        {
            labels[n] = n % 2;
            double phase = random.NextDouble() * 6;
            for (int y = 0; y < 12; y++)
                for (int x = 0; x < 12; x++)
                    pixels[y * 12 + x] = (float)(0.5 + 0.5 * Math.Sin((labels[n] == 0 ? y : x) * 1.3 + phase));
            data.Add(pixels);
        }
        return (data, labels);
    }

    private static readonly SupervisedOptions Options = new()
    {
        Backbone = new BackboneSpec(BackboneKind.SmallConvNet, 1), Epochs = 8, BatchSize = 16, Device = "cpu", Seed = 1,
    };

    [Fact]
    public void Learns_a_separable_task_and_outputs_logits_as_projections()
    {
        var (images, labels) = Stripes(64);
        using var encoder = SupervisedTrainer.Train(images, labels, Options);
        Assert.Equal(2, encoder.ProjectionDim);

        var pixels = new float[64 * 144];
        images.CopyImages(Enumerable.Range(0, 64).ToArray(), pixels);
        var features = new float[64 * encoder.FeatureDim];
        var logits = new float[64 * 2];
        encoder.Extract(pixels, 64, features, logits);
        int correct = Enumerable.Range(0, 64).Count(i => (logits[2 * i + 1] > logits[2 * i] ? 1 : 0) == labels[i]);
        Assert.True(correct >= 58, $"{correct}/64 correct");
    }

    [Fact]
    public void Fine_tuning_starts_from_the_pretrained_backbone()
    {
        var (images, labels) = Stripes(32);
        using var pretrained = SupervisedTrainer.Train(images, labels, Options with { Epochs = 1 });
        using var tuned = SupervisedTrainer.Train(images, labels, Options with { Epochs = 1, LearningRate = 1e-9 }, initializeFrom: pretrained);
        string first = pretrained.Network.state_dict().Keys.First(k => k.EndsWith("weight", StringComparison.Ordinal));
        var a = pretrained.Network.state_dict()[first];
        var b = tuned.Network.state_dict()[first];
        Assert.True(a.allclose(b, 1e-5, 1e-6), first);
    }

    [Fact]
    public void Mismatched_labels_are_refused()
    {
        var (images, _) = Stripes(8);
        Assert.Throws<ArgumentException>(() => SupervisedTrainer.Train(images, new int[3], Options));
    }
}
