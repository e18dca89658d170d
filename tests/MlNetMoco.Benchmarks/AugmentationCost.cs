using MlNetMoco.Core.Augmentations;
using MlNetMoco.Core.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Benchmarks;

/// <summary>The cost of the two augmented views a MoCo step draws from each batch (the v2 preset, on the device).</summary>
internal sealed class AugmentationCost : IDisposable
{
    private readonly AugmentationPipeline _pipeline;
    private readonly Generator _generator = new(0);
    private readonly Tensor _images;
    private readonly Action _synchronize;

    /// <summary>The v2 pipeline for <paramref name="shape"/> and one batch of random [0, 1] images on <paramref name="device"/>.</summary>
    public AugmentationCost(ImageShape shape, int batchSize, Device device)
    {
        var mean = Enumerable.Repeat(0.5f, shape.Channels).ToArray();
        var std = Enumerable.Repeat(0.25f, shape.Channels).ToArray();
        _pipeline = AugmentationPresets.Create(AugmentationPreset.MoCoV2, shape.Height, shape.Width, shape.Channels, mean, std);
        _images = rand(new long[] { batchSize, shape.Channels, shape.Height, shape.Width }, device: device);
        _synchronize = Harness.Synchronizer(device);
    }

    /// <summary>Two applications of the pipeline to the batch.</summary>
    public void TwoViews()
    {
        using var scope = NewDisposeScope();
        _pipeline.Apply(_images, _generator);
        _pipeline.Apply(_images, _generator);
    }

    /// <summary>One timed <see cref="TwoViews"/> (synchronised on CUDA), in seconds.</summary>
    public double TimeOnce() => Harness.TimeOnce(TwoViews, _synchronize);

    /// <inheritdoc />
    public void Dispose()
    {
        _images.Dispose();
        _generator.Dispose();
    }
}
