using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Heads;
using MlNetMoco.Core.Losses;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Methods;

/// <summary>
/// Momentum Contrast (He et al. 2019, arXiv:1911.05722; v2: Chen et al. 2020, arXiv:2003.04297): a query encoder
/// trained by InfoNCE against a momentum-updated key encoder and a queue of past keys. State names follow
/// facebookresearch/moco (<c>encoder_q.*</c>, <c>encoder_k.*</c>, <c>queue</c>, <c>queue_ptr</c>).
/// </summary>
public sealed class MoCo : nn.Module, ISelfSupervisedMethod
{
    private readonly Backbone encoder_q;
    private readonly Backbone encoder_k;
    private readonly KeyQueue _queue;
    private readonly double _momentum;
    private readonly double _temperature;

    /// <summary>Builds query and key encoders from <paramref name="backbone"/> with the head of <paramref name="version"/>.</summary>
    /// <param name="version">v1: linear head; v2: MLP head.</param>
    /// <param name="backbone">Encoder architecture (its BatchNormSplits gives Shuffle-BN's sub-batches).</param>
    /// <param name="projectionDim">Embedding dimension (128).</param>
    /// <param name="queueSize">Number of negatives K (65536).</param>
    /// <param name="momentum">Key encoder momentum m (0.999).</param>
    /// <param name="temperature">InfoNCE temperature T (0.07 v1, 0.2 v2).</param>
    /// <param name="device">Device of the parameters and the queue.</param>
    /// <param name="generator">CPU generator of the initial weights and queue (<see cref="Training.SeededInitialization"/>); null keeps the modules' own initialisation from the process-wide generator.</param>
    public MoCo(MoCoVersion version, BackboneSpec backbone, int projectionDim, int queueSize, double momentum, double temperature, Device device,
        Generator? generator = null)
        : base(nameof(MoCo))
    {
        Version = version;
        int featureDim = BackboneFactory.FeatureDimOf(backbone);
        encoder_q = BackboneFactory.Create(backbone, ProjectionHeads.For(version, featureDim, projectionDim));
        encoder_k = BackboneFactory.Create(backbone, ProjectionHeads.For(version, featureDim, projectionDim));
        if (generator != null) Training.SeededInitialization.Apply(encoder_q, generator);
        MomentumUpdate.Initialize(encoder_k, encoder_q);
        _queue = new KeyQueue(projectionDim, queueSize, device, generator);
        _momentum = momentum;
        _temperature = temperature;
        register_buffer("queue", _queue.Keys);
        register_buffer("queue_ptr", _queue.Pointer);
        RegisterComponents();
        this.to(device);
    }

    /// <summary>The recipe this instance follows.</summary>
    public MoCoVersion Version { get; }

    /// <inheritdoc />
    public string Name => $"MoCo {Version.ToString().ToLowerInvariant()}";

    /// <inheritdoc />
    public nn.Module Module => this;

    /// <inheritdoc />
    public Backbone OnlineEncoder => encoder_q;

    /// <summary>The momentum-updated key encoder (no gradients).</summary>
    public Backbone KeyEncoder => encoder_k;

    /// <summary>The queue of negative keys.</summary>
    public KeyQueue Queue => _queue;

    /// <inheritdoc />
    public IEnumerable<Parameter> TrainableParameters() => encoder_q.parameters();

    /// <summary>
    /// One MoCo step, as facebookresearch/moco's <c>forward</c>: momentum-update the key encoder, encode queries,
    /// encode keys with Shuffle-BN, compute InfoNCE against the queue, then enqueue the keys.
    /// </summary>
    public MethodStepOutput Step(Tensor view1, Tensor view2, Generator generator)
    {
        var q = nn.functional.normalize(encoder_q.call(view1), dim: 1);
        Tensor k;
        using (no_grad())
        {
            MomentumUpdate.Apply(encoder_k, encoder_q, _momentum);
            var (shuffled, unshuffle) = BatchShuffle.Shuffle(view2, generator);
            k = BatchShuffle.Unshuffle(nn.functional.normalize(encoder_k.call(shuffled), dim: 1), unshuffle);
        }
        // The queue is read before it is written: the logits must not see this batch's keys as negatives,
        // and autograd keeps the snapshot, so the in-place enqueue below cannot invalidate the graph.
        var logits = InfoNce.Logits(q, k, _queue.Keys.clone(), _temperature);
        var loss = InfoNce.Loss(logits);
        double accuracy = InfoNce.TopOneAccuracy(logits);
        _queue.Enqueue(k);
        return new MethodStepOutput(loss, accuracy, q.detach());
    }
}
