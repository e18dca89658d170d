using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Heads;
using MlNetMoco.Core.Inference;
using MlNetMoco.Core.Optimization;
using MlNetMoco.Core.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Methods;

/// <summary>
/// MoCo v3 (Chen, Xie, He 2021, "An Empirical Study of Training Self-Supervised Vision Transformers",
/// arXiv:2104.02057) as one module, after facebookresearch/moco-v3's <c>builder.py</c>: a base encoder (backbone +
/// projector in its <c>fc</c> slot) followed by a predictor, and a momentum encoder (backbone + projector) without
/// gradient. Both views go through both encoders; the loss is the symmetrised contrastive loss with the batch's keys
/// as the only negatives (no queue): ctr(q₁, k₂) + ctr(q₂, k₁), ctr(q, k) = 2T·CE(q·kᵀ/T, diagonal) on L2-normalised
/// vectors. The momentum m rises from m₀ to 1 on a half-cosine over training and is applied after each optimizer step.
/// State names follow builder.py: <c>base_encoder.*</c>, <c>momentum_encoder.*</c>, <c>predictor.*</c>. Built by
/// <see cref="MoCoV3MethodOptions"/>.
/// </summary>
public sealed class MoCoV3 : nn.Module, ITrainingMethod
{
    private readonly Backbone base_encoder;
    private readonly Backbone momentum_encoder;
    private readonly nn.Module<Tensor, Tensor> predictor;
    private readonly IReadOnlyList<(Tensor Target, Tensor Source)> _momentumPairs;

    /// <summary>Builds both encoders of <paramref name="backbone"/> with <paramref name="projector"/> in their <c>fc</c> slot, and the predictor.</summary>
    /// <param name="backbone">Encoder architecture.</param>
    /// <param name="projector">The projector (3-layer MLP with BatchNorm, the last without affine, in the paper).</param>
    /// <param name="predictorHead">The predictor (2-layer MLP with BatchNorm); takes the projector's output.</param>
    /// <param name="initialMomentum">m₀, the momentum of the first update (0.99 in the paper).</param>
    /// <param name="cosineMomentum">Whether m rises from m₀ to 1 on a half-cosine over training (true in the paper); false keeps m₀.</param>
    /// <param name="temperature">Temperature T (1.0 for ResNets, 0.2 for ViTs in the paper).</param>
    /// <param name="device">Device of the parameters.</param>
    /// <param name="generator">CPU generator of the initial weights; null keeps the modules' own initialisation.</param>
    /// <param name="initialEncoder">An encoder whose backbone weights start both encoders. Default null.</param>
    /// <exception cref="ArgumentException">The heads do not chain with the backbone, or a value is out of range.</exception>
    public MoCoV3(BackboneSpec backbone, HeadSpec projector, HeadSpec predictorHead, double initialMomentum, bool cosineMomentum, double temperature,
        Device device, Generator? generator = null, TrainedEncoder? initialEncoder = null)
        : base(nameof(MoCoV3))
    {
        ArgumentNullException.ThrowIfNull(backbone);
        ArgumentNullException.ThrowIfNull(projector);
        ArgumentNullException.ThrowIfNull(predictorHead);
        if (initialMomentum is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(initialMomentum), initialMomentum, "The momentum must be in [0, 1].");
        if (!(temperature > 0) || double.IsInfinity(temperature)) throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "The temperature must be positive.");
        projector.Validate(BackboneFactory.FeatureDimOf(backbone));
        try { predictorHead.Validate(projector.OutputDim); }
        catch (ArgumentException e) { throw new ArgumentException($"The predictor must take the projector's output: {e.Message}", nameof(predictorHead), e); }
        Projector = projector;
        PredictorHead = predictorHead;
        InitialMomentum = initialMomentum;
        CosineMomentum = cosineMomentum;
        Temperature = temperature;
        CurrentMomentum = initialMomentum;
        base_encoder = BackboneFactory.Create(backbone, projector.Build());
        momentum_encoder = BackboneFactory.Create(backbone, projector.Build());
        predictor = predictorHead.Build();
        if (generator != null)
        {
            SeededInitialization.Apply(base_encoder, generator);
            SeededInitialization.Apply(predictor, generator);
        }
        if (initialEncoder != null) EncoderInitialization.CopyBackbone(base_encoder, initialEncoder);
        MomentumUpdate.Initialize(momentum_encoder, base_encoder);
        RegisterComponents();
        this.to(device);
        _momentumPairs = MomentumUpdate.Pairs(momentum_encoder, base_encoder);
    }

    /// <inheritdoc />
    public string Name => "MoCo v3";

    /// <summary>The projector of both encoders (in their <c>fc</c> slot).</summary>
    public HeadSpec Projector { get; }

    /// <summary>The predictor's blocks (query side only).</summary>
    public HeadSpec PredictorHead { get; }

    /// <summary>m₀, the momentum at the start of training.</summary>
    public double InitialMomentum { get; }

    /// <summary>Whether the momentum follows the half-cosine from m₀ to 1.</summary>
    public bool CosineMomentum { get; }

    /// <summary>Temperature T.</summary>
    public double Temperature { get; }

    /// <summary>The momentum of the last update (m₀ before the first).</summary>
    public double CurrentMomentum { get; private set; }

    /// <inheritdoc />
    public nn.Module Module => this;

    /// <inheritdoc />
    public Backbone OnlineEncoder => base_encoder;

    /// <inheritdoc />
    public HeadSpec OnlineHead => Projector;

    /// <inheritdoc />
    public string OnlineEncoderPrefix => nameof(base_encoder) + ".";

    /// <summary>The momentum encoder: backbone and projector, no gradients.</summary>
    public Backbone MomentumEncoder => momentum_encoder;

    /// <summary>The predictor module, applied to the base encoder's output only.</summary>
    public nn.Module<Tensor, Tensor> Predictor => predictor;

    /// <summary>
    /// The momentum at <paramref name="progress"/> (fraction of training done, clamped to [0, 1]):
    /// m = 1 − (1 − m₀)·(1 + cos(π·progress))/2, m₀ at the start and 1 at the end (moco-v3's <c>adjust_moco_momentum</c>).
    /// </summary>
    /// <param name="progress">Fraction of training done.</param>
    /// <param name="initialMomentum">m₀.</param>
    public static double MomentumAt(double progress, double initialMomentum) =>
        1 - (1 - initialMomentum) * 0.5 * (1 + Math.Cos(Math.PI * Math.Clamp(progress, 0, 1)));

    /// <inheritdoc />
    public IReadOnlyList<ParameterGroup> TrainableParameters() =>
    [
        ParameterGroup.Of(nameof(base_encoder), base_encoder, OnlineEncoderPrefix),
        ParameterGroup.Of(nameof(predictor), predictor, nameof(predictor) + "."),
    ];

    /// <summary>
    /// One MoCo v3 step: queries q₁, q₂ = predictor(base encoder(view)) with gradient, keys k₁, k₂ = momentum
    /// encoder(view) without, and the loss ctr(q₁, k₂) + ctr(q₂, k₁).
    /// </summary>
    /// <param name="batch">Two views (the asymmetric augmentations).</param>
    /// <returns>The loss, the N-way top-1 accuracy averaged over both directions, and the detached normalised q₁.</returns>
    /// <exception cref="ArgumentException">The batch does not have two views.</exception>
    public MethodStepOutput Step(MethodBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Views.Count != 2) throw new ArgumentException($"MoCo v3 takes two views, got {batch.Views.Count}.", nameof(batch));
        // The keys first (moco-v3 computes them second; the results are the same): their forwards then run while no
        // query activations are held for backward, so they reuse freed memory instead of faulting in fresh pages.
        Tensor k1, k2;
        using (no_grad())
        {
            k1 = momentum_encoder.call(batch.Views[0]);
            k2 = momentum_encoder.call(batch.Views[1]);
        }
        var q1 = predictor.call(base_encoder.call(batch.Views[0]));
        var q2 = predictor.call(base_encoder.call(batch.Views[1]));
        var (loss12, accuracy12) = ContrastiveLoss(q1, k2);
        var (loss21, accuracy21) = ContrastiveLoss(q2, k1);
        var loss = loss12.add(loss21, HeldScalars.One);
        return new MethodStepOutput(loss, (accuracy12 + accuracy21) / 2, nn.functional.normalize(q1.detach(), dim: 1));
    }

    /// <summary>
    /// ctr(q, k) of the paper: q and k L2-normalised, logits q·kᵀ/T (N×N, the positive of row i in column i, the
    /// other keys of the batch its negatives), cross-entropy against the diagonal, multiplied by 2T.
    /// </summary>
    /// <param name="queries">N×D queries (predictor outputs), not normalised.</param>
    /// <param name="keys">N×D keys (momentum encoder outputs), not normalised.</param>
    /// <returns>The scalar loss and the N-way top-1 accuracy of the positives.</returns>
    public (Tensor Loss, double Accuracy) ContrastiveLoss(Tensor queries, Tensor keys)
    {
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentNullException.ThrowIfNull(keys);
        using var scope = NewDisposeScope();
        var q = nn.functional.normalize(queries, dim: 1);
        var k = nn.functional.normalize(keys, dim: 1);
        using var temperature = Temperature.ToScalar();
        using var twoT = (2 * Temperature).ToScalar();
        var logits = q.mm(k.t()).div_(temperature);
        using var count = q.shape[0].ToScalar();
        var labels = arange(HeldScalars.ZeroInt64, count, HeldScalars.OneInt64, dtype: ScalarType.Int64, device: q.device);
        var loss = nn.functional.cross_entropy(logits, labels).mul(twoT);
        double accuracy;
        using (no_grad())
            accuracy = logits.argmax(1).eq(labels).to_type(ScalarType.Float32).mean().item<float>();
        return (loss.MoveToOuterDisposeScope(), accuracy);
    }

    /// <summary>
    /// Moves the momentum encoder towards the base encoder: θm ← m·θm + (1 − m)·θb, with m = <see cref="MomentumAt"/>
    /// at the next step's position ((step + 1)/total steps), which is what moco-v3 applies at the start of the next
    /// step; so m₀ before any training (an identity, the encoders are equal) and exactly 1 after the last step.
    /// </summary>
    /// <param name="position">The step that was just taken.</param>
    public void AfterOptimizerStep(TrainingPosition position)
    {
        double progress = position.TotalSteps == 0 ? 1 : (double)(position.GlobalStep + 1) / position.TotalSteps;
        CurrentMomentum = CosineMomentum ? MomentumAt(progress, InitialMomentum) : InitialMomentum;
        MomentumUpdate.Apply(_momentumPairs, CurrentMomentum);
    }
}
