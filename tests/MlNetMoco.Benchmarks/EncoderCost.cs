using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Data;
using MlNetMoco.Core.Heads;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Benchmarks;

/// <summary>
/// The bare encoder cost every figure is compared with: the backbone with the MoCo v2 head (2-layer MLP), in train
/// mode, on one batch of already-augmented (random, normalised) tensors on the device — no data pipeline, no
/// augmentation, no MoCo machinery (key encoder, queue, optimizer).
/// </summary>
internal sealed class EncoderCost : IDisposable
{
    private readonly Backbone _network;
    private readonly Tensor _input;
    private readonly Device _device;
    private readonly Action _synchronize;

    /// <summary>Builds the network of <paramref name="spec"/> (with its BatchNormSplits, as the loop uses) and one input batch on <paramref name="device"/>.</summary>
    public EncoderCost(BackboneSpec spec, ImageShape shape, int batchSize, Device device, int projectionDim = 128, int seed = 0)
    {
        torch.manual_seed(seed);
        int featureDim = BackboneFactory.FeatureDimOf(spec);
        _network = BackboneFactory.Create(spec, HeadSpec.Mlp(featureDim, featureDim, projectionDim).Build());
        _network.to(device);
        _network.train();
        _input = randn(new long[] { batchSize, shape.Channels, shape.Height, shape.Width }, device: device);
        _device = device;
        _synchronize = Harness.Synchronizer(device);
        BatchSize = batchSize;
    }

    /// <summary>Images per run.</summary>
    public int BatchSize { get; }

    /// <summary>Forward + backward of the batch (loss = mean of the squared projections), as the query encoder does per step.</summary>
    public void ForwardBackward()
    {
        using var scope = NewDisposeScope();
        _network.zero_grad();
        var loss = _network.call(_input).square().mean();
        loss.backward();
    }

    /// <summary>Forward of the batch without gradients in train mode (BatchNorm batch statistics), as the key encoder does per step.</summary>
    public void ForwardNoGrad()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        _network.call(_input);
    }

    /// <summary>Times <see cref="ForwardBackward"/> with the harness.</summary>
    public Timing MeasureForwardBackward(Repetitions repeats) => Harness.Measure(ForwardBackward, repeats, _device);

    /// <summary>One timed <see cref="ForwardBackward"/> (synchronised on CUDA), in seconds.</summary>
    public double TimeForwardBackwardOnce() => TimeOnce(ForwardBackward);

    /// <summary>One timed <see cref="ForwardNoGrad"/> (synchronised on CUDA), in seconds.</summary>
    public double TimeForwardNoGradOnce() => TimeOnce(ForwardNoGrad);

    private double TimeOnce(Action run) => Harness.TimeOnce(run, _synchronize);

    /// <inheritdoc />
    public void Dispose()
    {
        _input.Dispose();
        _network.Dispose();
    }
}
