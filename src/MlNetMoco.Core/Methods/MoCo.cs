using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Heads;
using MlNetMoco.Core.Inference;
using MlNetMoco.Core.Losses;
using MlNetMoco.Core.Optimization;
using MlNetMoco.Core.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Methods;

/// <summary>
/// Momentum Contrast (He et al. 2019, arXiv:1911.05722; v2: Chen et al. 2020, arXiv:2003.04297) as one module, as
/// facebookresearch/moco's <c>builder.py</c>: a query encoder trained by InfoNCE against a momentum-updated key encoder
/// and a queue of past keys. State names follow it (<c>encoder_q.*</c>, <c>encoder_k.*</c>, <c>queue</c>,
/// <c>queue_ptr</c>), plus <c>queue_idx</c>, the image index of each queued key. Built by <see cref="MoCoMethodOptions"/>.
/// </summary>
public sealed class MoCo : nn.Module, ITrainingMethod
{
    private readonly Backbone encoder_q;
    private readonly Backbone encoder_k;
    private readonly KeyQueue _queue;
    private readonly IReadOnlyList<(Tensor Target, Tensor Source)> _momentumPairs;

    /// <summary>Builds query and key encoders of <paramref name="backbone"/> with <paramref name="head"/> in their <c>fc</c> slot, and the queue.</summary>
    /// <param name="backbone">Encoder architecture (its BatchNormSplits gives Shuffle-BN's sub-batches).</param>
    /// <param name="head">The projection head; its output width is the key dimension (128 in the papers).</param>
    /// <param name="queueSize">Number of negatives K (65536 in the papers).</param>
    /// <param name="momentum">Key encoder momentum m (0.999).</param>
    /// <param name="temperature">InfoNCE temperature T (0.07 v1, 0.2 v2).</param>
    /// <param name="device">Device of the parameters and the queue.</param>
    /// <param name="generator">CPU generator of the initial weights and queue (<see cref="SeededInitialization"/>); null keeps the modules' own initialisation from the process-wide generator.</param>
    /// <param name="excludeSameImageNegatives">Leave out of each query's negatives the queued keys of its own image. Default true.</param>
    /// <param name="initialEncoder">An encoder whose backbone weights start both encoders (the head keeps its initialisation). Default null.</param>
    /// <param name="name">The method's name in reports. Default "MoCo".</param>
    /// <exception cref="ArgumentException">The head does not take the backbone's features, or a value is out of range.</exception>
    public MoCo(BackboneSpec backbone, HeadSpec head, int queueSize, double momentum, double temperature, Device device,
        Generator? generator = null, bool excludeSameImageNegatives = true, TrainedEncoder? initialEncoder = null, string name = "MoCo")
        : base(nameof(MoCo))
    {
        ArgumentNullException.ThrowIfNull(backbone);
        ArgumentNullException.ThrowIfNull(head);
        if (momentum is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "The momentum must be in [0, 1].");
        if (!(temperature > 0)) throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "The temperature must be positive.");
        head.Validate(BackboneFactory.FeatureDimOf(backbone));
        Name = name;
        Head = head;
        Momentum = momentum;
        Temperature = temperature;
        ExcludeSameImageNegatives = excludeSameImageNegatives;
        encoder_q = BackboneFactory.Create(backbone, head.Build());
        encoder_k = BackboneFactory.Create(backbone, head.Build());
        if (generator != null) SeededInitialization.Apply(encoder_q, generator);
        if (initialEncoder != null) EncoderInitialization.CopyBackbone(encoder_q, initialEncoder);
        MomentumUpdate.Initialize(encoder_k, encoder_q);
        _queue = new KeyQueue(head.OutputDim, queueSize, device, generator);
        register_buffer("queue", _queue.Keys);
        register_buffer("queue_ptr", _queue.Pointer);
        register_buffer("queue_idx", _queue.Indices);
        RegisterComponents();
        this.to(device);
        _momentumPairs = MomentumUpdate.Pairs(encoder_k, encoder_q);
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <summary>The projection head of both encoders.</summary>
    public HeadSpec Head { get; }

    /// <summary>Key encoder momentum m.</summary>
    public double Momentum { get; }

    /// <summary>InfoNCE temperature T.</summary>
    public double Temperature { get; }

    /// <summary>Whether each query's negatives leave out the queued keys of its own image.</summary>
    public bool ExcludeSameImageNegatives { get; }

    /// <inheritdoc />
    public nn.Module Module => this;

    /// <inheritdoc />
    public Backbone OnlineEncoder => encoder_q;

    /// <inheritdoc />
    public HeadSpec OnlineHead => Head;

    /// <inheritdoc />
    public string OnlineEncoderPrefix => nameof(encoder_q) + ".";

    /// <summary>The momentum-updated key encoder (no gradients).</summary>
    public Backbone KeyEncoder => encoder_k;

    /// <summary>The queue of negative keys.</summary>
    public KeyQueue Queue => _queue;

    /// <inheritdoc />
    public IReadOnlyList<ParameterGroup> TrainableParameters() =>
        [ParameterGroup.Of(nameof(encoder_q), encoder_q, OnlineEncoderPrefix)];

    /// <summary>
    /// One MoCo step, as facebookresearch/moco's <c>forward</c>: momentum-update the key encoder, encode the keys
    /// (second view) with Shuffle-BN, encode the queries (first view), compute InfoNCE against the queue as it was before
    /// this batch (so this batch's keys are never its negatives), then enqueue the keys with their image indices.
    /// </summary>
    /// <param name="batch">Two views, the images' indices and the step's generator (Shuffle-BN's permutation).</param>
    /// <returns>The loss, the (K+1)-way top-1 accuracy and the detached normalised queries.</returns>
    /// <exception cref="ArgumentException">The batch does not have two views.</exception>
    public MethodStepOutput Step(MethodBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Views.Count != 2) throw new ArgumentException($"MoCo takes two views (queries, keys), got {batch.Views.Count}.", nameof(batch));
        // The keys first (builder.py computes them second; the results are the same): their forward then runs while no
        // query activations are held for backward, so it reuses freed memory instead of faulting in fresh pages.
        Tensor k;
        using (no_grad())
        {
            MomentumUpdate.Apply(_momentumPairs, Momentum);
            var (shuffled, unshuffle) = BatchShuffle.Shuffle(batch.Views[1], batch.Generator);
            k = BatchShuffle.Unshuffle(nn.functional.normalize(encoder_k.call(shuffled), dim: 1), unshuffle);
        }
        var q = nn.functional.normalize(encoder_q.call(batch.Views[0]), dim: 1);
        var (loss, accuracy) = Contrast(q, k, batch.Indices);
        return new MethodStepOutput(loss, accuracy, q.detach());
    }

    /// <summary>
    /// The step's loss part: InfoNCE of <paramref name="queries"/> against their <paramref name="keys"/> and the queue
    /// as it was before this batch (so this batch's keys are never its negatives), the (K+1)-way top-1 accuracy, then
    /// the keys enqueued with their image indices.
    /// </summary>
    /// <param name="queries">N×D L2-normalised queries.</param>
    /// <param name="keys">N×D L2-normalised positive keys.</param>
    /// <param name="indices">The N image indices (int64).</param>
    public (Tensor Loss, double Accuracy) Contrast(Tensor queries, Tensor keys, Tensor indices)
    {
        var logits = Logits(queries, keys, indices);
        var loss = InfoNce.Loss(logits);
        double accuracy = InfoNce.TopOneAccuracy(logits);
        _queue.Enqueue(keys, indices);
        return (loss, accuracy);
    }

    /// <inheritdoc />
    public void AfterOptimizerStep(TrainingPosition position)
    {
        // Nothing: the key encoder follows the query encoder at the start of the next Step, as in builder.py.
    }

    /// <summary>
    /// The N×(1+K) InfoNCE logits of <paramref name="queries"/>: column 0 against their positive keys, columns 1…K
    /// against the queue as it is now, all divided by T; with <see cref="ExcludeSameImageNegatives"/>, −∞ where a queued
    /// key was computed from the query's own image. The queue is cloned, so enqueueing afterwards cannot invalidate the
    /// autograd graph.
    /// </summary>
    /// <param name="queries">N×D L2-normalised queries.</param>
    /// <param name="keys">N×D L2-normalised positive keys.</param>
    /// <param name="indices">The N image indices of the queries (int64).</param>
    public Tensor Logits(Tensor queries, Tensor keys, Tensor indices)
    {
        var logits = InfoNce.Logits(queries, keys, _queue.Keys.clone(), Temperature);
        return ExcludeSameImageNegatives ? MaskSameImage(logits, indices) : logits;
    }

    /// <summary>Sets to −∞ the logits of queued keys computed from the query's own image (stale positives, not negatives).</summary>
    private Tensor MaskSameImage(Tensor logits, Tensor indices)
    {
        using var scope = NewDisposeScope();
        var sameImage = indices.unsqueeze(1).eq(_queue.Indices.unsqueeze(0));                  // N×K
        var mask = cat([zeros(new long[] { logits.shape[0], 1 }, ScalarType.Bool, logits.device), sameImage], 1);
        using var minusInfinity = float.NegativeInfinity.ToScalar();
        return logits.masked_fill(mask, minusInfinity).MoveToOuterDisposeScope();
    }
}
