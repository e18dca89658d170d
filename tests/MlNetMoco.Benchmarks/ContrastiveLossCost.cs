using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Data;
using MlNetMoco.Core.Methods;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Benchmarks;

/// <summary>
/// The part of a MoCo v2 step that is neither an encoder pass nor an augmentation: the InfoNCE loss of one batch of
/// queries against their keys and the K queued keys, forward and backward, through the real code
/// (<see cref="MoCo.Contrast"/>: logits with the queue clone and same-image mask, InfoNCE, top-1 accuracy, enqueue),
/// on random unit vectors in place of the encoders' outputs. Its cost grows with K and the batch, not with the backbone.
/// </summary>
internal sealed class ContrastiveLossCost : IDisposable
{
    private readonly MoCo _moco;
    private readonly Generator _generator = new(0);
    private readonly Device _device;
    private readonly Action _synchronize;
    private readonly int _batchSize, _imageCount, _dim;
    private int _step;

    /// <summary>Builds the MoCo of <paramref name="options"/> for <paramref name="imageCount"/> images (so K is clamped as in the loop).</summary>
    public ContrastiveLossCost(MoCoMethodOptions options, BackboneSpec spec, ImageShape shape, int imageCount, int batchSize, Device device)
    {
        _moco = (MoCo)options.Create(new MethodContext(spec, shape, imageCount, batchSize, device, _generator, static _ => { }));
        _device = device;
        _synchronize = Harness.Synchronizer(device);
        _batchSize = batchSize;
        _imageCount = imageCount;
        _dim = (int)_moco.Queue.Keys.shape[0];
    }

    /// <summary>Queued keys K (after the loop's clamping).</summary>
    public int QueueSize => _moco.Queue.Size;

    /// <summary>Logits, loss, accuracy and enqueue of one batch, then the loss's backward to the queries.</summary>
    public void LossForwardBackward()
    {
        using var scope = NewDisposeScope();
        var queries = nn.functional.normalize(randn(new long[] { _batchSize, _dim }, device: _device, generator: _generator).requires_grad_(), dim: 1);
        var keys = nn.functional.normalize(randn(new long[] { _batchSize, _dim }, device: _device, generator: _generator), dim: 1);
        long first = (long)_step++ * _batchSize;
        var indices = arange(first, first + _batchSize, dtype: ScalarType.Int64, device: _device).remainder_(_imageCount);
        _moco.Contrast(queries, keys, indices).Loss.backward();
    }

    /// <summary>One timed <see cref="LossForwardBackward"/> (synchronised on CUDA), in seconds.</summary>
    public double TimeOnce() => Harness.TimeOnce(LossForwardBackward, _synchronize);

    /// <inheritdoc />
    public void Dispose()
    {
        _moco.Dispose();
        _generator.Dispose();
    }
}
