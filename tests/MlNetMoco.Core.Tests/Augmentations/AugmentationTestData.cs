using MlNetMoco.Core.Augmentations;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Tests.Augmentations;

/// <summary>Small seeded batches and comparisons shared by the augmentation tests.</summary>
internal static class AugmentationTestData
{
    /// <summary>Uniform noise in [0, 1], N×C×H×W: non-constant, non-symmetric images.</summary>
    public static Tensor Noise(long n, long c, long h, long w, long seed = 7)
    {
        var generator = new Generator((ulong)seed);
        return rand(new long[] { n, c, h, w }, generator: generator);
    }

    /// <summary>One noise image repeated <paramref name="n"/> times.</summary>
    public static Tensor Repeated(long n, long c, long h, long w) => Noise(1, c, h, w).repeat(n, 1, 1, 1);

    public static Tensor Apply(IBatchAugmentation op, Tensor images, long seed) => op.Apply(images, new Generator((ulong)seed));

    /// <summary>Same shape and bit-identical values.</summary>
    public static bool Identical(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    public static float MaxAbsDiff(Tensor a, Tensor b) => (a - b).abs().max().item<float>();

    /// <summary>Largest absolute change of each sample.</summary>
    public static float[] PerSampleMaxAbsDiff(Tensor a, Tensor b) =>
        (a - b).abs().flatten(1).amax(new long[] { 1 }).data<float>().ToArray();

    /// <summary>Every augmentation with its probabilities at their defaults, for the generic tests.</summary>
    public static IEnumerable<object[]> AllOps()
    {
        yield return new object[] { "crop", new RandomResizedCrop(12, 10) };
        yield return new object[] { "flip", new RandomHorizontalFlip() };
        yield return new object[] { "jitter", new ColorJitter() };
        yield return new object[] { "jitter-v1", new ColorJitter(0.4, 0.4, 0.4, 0.4, p: 1) };
        yield return new object[] { "grayscale", new RandomGrayscale() };
        yield return new object[] { "blur", new GaussianBlur() };
        yield return new object[] { "solarize", new RandomSolarize(p: 0.5) };
        yield return new object[] { "v1", AugmentationPresets.MoCoV1(12, 12, 3, new[] { 0.5f, 0.5f, 0.5f }, new[] { 0.25f, 0.25f, 0.25f }) };
        yield return new object[] { "v2", AugmentationPresets.MoCoV2(12, 12, 3, new[] { 0.5f, 0.5f, 0.5f }, new[] { 0.25f, 0.25f, 0.25f }) };
        yield return new object[] { "v3-1", AugmentationPresets.MoCoV3(12, 12, 3, new[] { 0.5f, 0.5f, 0.5f }, new[] { 0.25f, 0.25f, 0.25f }, secondView: false) };
        yield return new object[] { "v3-2", AugmentationPresets.MoCoV3(12, 12, 3, new[] { 0.5f, 0.5f, 0.5f }, new[] { 0.25f, 0.25f, 0.25f }, secondView: true) };
    }
}
