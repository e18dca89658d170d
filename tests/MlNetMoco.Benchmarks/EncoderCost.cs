using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Data;
using MlNetMoco.Core.Heads;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Benchmarks;

/// <summary>
/// The bare encoder cost every figure is compared with: the backbone with the MoCo v2 head (2-layer MLP), in train
/// mode, on already-augmented (random, normalised) tensors on the device — no data pipeline, no augmentation, no
/// MoCo machinery (key encoder, queue, optimizer).
/// </summary>
internal sealed class EncoderCost : IDisposable
{
    private readonly Backbone _network;
    private readonly Device _device;

    /// <summary>Builds the network of <paramref name="spec"/> (with its BatchNormSplits, as the loop uses) on <paramref name="device"/>.</summary>
    public EncoderCost(BackboneSpec spec, Device device, int projectionDim = 128, int seed = 0)
    {
        torch.manual_seed(seed);
        int featureDim = BackboneFactory.FeatureDimOf(spec);
        _network = BackboneFactory.Create(spec, ProjectionHeads.Mlp(featureDim, projectionDim));
        _network.to(device);
        _network.train();
        _device = device;
    }

    /// <summary>Forward + backward of one batch (loss = mean of the squared projections), as the query encoder does per step.</summary>
    public Timing ForwardBackward(ImageShape shape, int batchSize, Repetitions repeats)
    {
        using var input = Input(shape, batchSize);
        return Harness.Measure(() =>
        {
            using var scope = NewDisposeScope();
            _network.zero_grad();
            var loss = _network.call(input).square().mean();
            loss.backward();
        }, repeats, _device);
    }

    /// <summary>Forward of one batch without gradients in train mode (BatchNorm batch statistics), as the key encoder does per step.</summary>
    public Timing ForwardNoGrad(ImageShape shape, int batchSize, Repetitions repeats)
    {
        using var input = Input(shape, batchSize);
        return Harness.Measure(() =>
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            _network.call(input);
        }, repeats, _device);
    }

    /// <inheritdoc />
    public void Dispose() => _network.Dispose();

    private Tensor Input(ImageShape shape, int batchSize) =>
        randn(new long[] { batchSize, shape.Channels, shape.Height, shape.Width }, device: _device);
}
