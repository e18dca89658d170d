using MlNetMoco.Core.Augmentations;
using MlNetMoco.Core.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Benchmarks;

/// <summary>The cost of the two augmented views a MoCo step draws from each batch (the v2 preset, on the device).</summary>
internal static class AugmentationCost
{
    /// <summary>Times two applications of the MoCo v2 augmentation pipeline to one batch of [0, 1] images.</summary>
    public static Timing TwoViews(ImageShape shape, int batchSize, Device device, Repetitions repeats)
    {
        var mean = Enumerable.Repeat(0.5f, shape.Channels).ToArray();
        var std = Enumerable.Repeat(0.25f, shape.Channels).ToArray();
        var pipeline = AugmentationPresets.Create(AugmentationPreset.MoCoV2, shape.Height, shape.Width, shape.Channels, mean, std);
        using var generator = new Generator(0);
        using var images = rand(new long[] { batchSize, shape.Channels, shape.Height, shape.Width }, device: device);
        return Harness.Measure(() =>
        {
            using var scope = NewDisposeScope();
            pipeline.Apply(images, generator);
            pipeline.Apply(images, generator);
        }, repeats, device);
    }
}
