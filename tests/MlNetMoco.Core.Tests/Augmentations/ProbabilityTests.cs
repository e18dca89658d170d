using MlNetMoco.Core.Augmentations;
using TorchSharp;
using static MlNetMoco.Core.Tests.Augmentations.AugmentationTestData;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Tests.Augmentations;

/// <summary>p = 0 is exactly the identity and p = 1 changes every sample, for each probabilistic op.</summary>
public class ProbabilityTests
{
    public static IEnumerable<object[]> Never() => new[]
    {
        new object[] { "flip", new RandomHorizontalFlip(0) },
        new object[] { "grayscale", new RandomGrayscale(0) },
        new object[] { "jitter", new ColorJitter(0.4, 0.4, 0.4, 0.4, p: 0) },
        new object[] { "blur", new GaussianBlur(p: 0) },
        new object[] { "solarize", new RandomSolarize(p: 0) },
    };

    // Blur starts at σ = 0.5 here: σ near 0.1 (allowed by MoCo's range) is a numerical identity in float32.
    public static IEnumerable<object[]> Always() => new[]
    {
        new object[] { "flip", new RandomHorizontalFlip(1) },
        new object[] { "grayscale", new RandomGrayscale(1) },
        new object[] { "jitter", new ColorJitter(0.4, 0.4, 0.4, 0.4, p: 1) },
        new object[] { "jitter-v2", new ColorJitter(0.4, 0.4, 0.4, 0.1, p: 1) },
        new object[] { "blur", new GaussianBlur(sigmaMin: 0.5, sigmaMax: 2.0, p: 1) },
        new object[] { "solarize", new RandomSolarize(p: 1) },
    };

    [Theory]
    [MemberData(nameof(Never))]
    public void Probability_zero_is_exactly_the_identity(string name, IBatchAugmentation op)
    {
        using var scope = NewDisposeScope();
        var images = Noise(16, 3, 16, 16);
        for (int seed = 0; seed < 3; seed++)
            Assert.True(Identical(Apply(op, images, seed), images), name);
    }

    [Theory]
    [MemberData(nameof(Always))]
    public void Probability_one_changes_every_sample(string name, IBatchAugmentation op)
    {
        using var scope = NewDisposeScope();
        var images = Noise(32, 3, 16, 16);
        for (int seed = 0; seed < 3; seed++)
        {
            var changes = PerSampleMaxAbsDiff(Apply(op, images, seed), images);
            Assert.All(changes, change => Assert.True(change > 1e-3f, $"{name}: a sample changed by only {change}"));
        }
    }

    [Fact]
    public void Intermediate_probabilities_select_about_that_fraction_of_samples()
    {
        using var scope = NewDisposeScope();
        var images = Noise(400, 3, 8, 8);
        var flipped = PerSampleMaxAbsDiff(Apply(new RandomHorizontalFlip(0.5), images, 1), images).Count(d => d > 0);
        var gray = PerSampleMaxAbsDiff(Apply(new RandomGrayscale(0.2), images, 1), images).Count(d => d > 0);
        var jittered = PerSampleMaxAbsDiff(Apply(new ColorJitter(p: 0.8), images, 1), images).Count(d => d > 0);
        Assert.InRange(flipped, 160, 240);
        Assert.InRange(gray, 50, 110);
        Assert.InRange(jittered, 285, 355);
    }
}
