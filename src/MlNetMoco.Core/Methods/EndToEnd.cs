using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Heads;
using MlNetMoco.Core.Inference;
using MlNetMoco.Core.Optimization;
using MlNetMoco.Core.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Methods;

/// <summary>
/// The end-to-end mechanism of the MoCo paper's comparison (He et al. 2019, arXiv:1911.05722, Figure 2a and 3): one
/// encoder, trained by back-propagation through both queries and keys; the negatives of a query are the keys of the
/// other images in the same mini-batch, so K = batch size − 1 and the dictionary is as large as the batch. No momentum
/// encoder, no queue. State names: <c>encoder_q.*</c>. Built by <see cref="EndToEndMethodOptions"/>.
/// </summary>
public sealed class EndToEnd : nn.Module, ITrainingMethod
{
    private readonly Backbone encoder_q;

    /// <summary>Builds the encoder of <paramref name="backbone"/> with <paramref name="head"/> in its <c>fc</c> slot.</summary>
    /// <param name="backbone">Encoder architecture.</param>
    /// <param name="head">The projection head; its output is the embedding compared by InfoNCE.</param>
    /// <param name="temperature">InfoNCE temperature T.</param>
    /// <param name="device">Device of the parameters.</param>
    /// <param name="generator">CPU generator of the initial weights; null keeps the modules' own initialisation.</param>
    /// <param name="initialEncoder">An encoder whose backbone weights start this one. Default null.</param>
    public EndToEnd(BackboneSpec backbone, HeadSpec head, double temperature, Device device, Generator? generator = null, TrainedEncoder? initialEncoder = null)
        : base(nameof(EndToEnd))
    {
        ArgumentNullException.ThrowIfNull(backbone);
        ArgumentNullException.ThrowIfNull(head);
        if (!(temperature > 0)) throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "The temperature must be positive.");
        head.Validate(BackboneFactory.FeatureDimOf(backbone));
        Head = head;
        Temperature = temperature;
        encoder_q = BackboneFactory.Create(backbone, head.Build());
        if (generator != null) SeededInitialization.Apply(encoder_q, generator);
        if (initialEncoder != null) EncoderInitialization.CopyBackbone(encoder_q, initialEncoder);
        RegisterComponents();
        this.to(device);
    }

    /// <inheritdoc />
    public string Name => "End-to-end";

    /// <summary>The projection head.</summary>
    public HeadSpec Head { get; }

    /// <summary>InfoNCE temperature T.</summary>
    public double Temperature { get; }

    /// <inheritdoc />
    public nn.Module Module => this;

    /// <inheritdoc />
    public Backbone OnlineEncoder => encoder_q;

    /// <inheritdoc />
    public HeadSpec OnlineHead => Head;

    /// <inheritdoc />
    public string OnlineEncoderPrefix => nameof(encoder_q) + ".";

    /// <inheritdoc />
    public IReadOnlyList<ParameterGroup> TrainableParameters() =>
        [ParameterGroup.Of(nameof(encoder_q), encoder_q, OnlineEncoderPrefix)];

    /// <summary>
    /// Encodes both views with the one encoder (each view in its own forward pass, so BatchNorm never sees a query
    /// with its positive key), and computes InfoNCE over the N×N similarities: row i has its positive in column i and
    /// the other N − 1 keys of the batch as negatives.
    /// </summary>
    /// <param name="batch">Two views.</param>
    /// <returns>The loss, the N-way top-1 accuracy and the detached normalised queries.</returns>
    /// <exception cref="ArgumentException">The batch does not have two views.</exception>
    public MethodStepOutput Step(MethodBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Views.Count != 2) throw new ArgumentException($"End-to-end takes two views (queries, keys), got {batch.Views.Count}.", nameof(batch));
        var q = nn.functional.normalize(encoder_q.call(batch.Views[0]), dim: 1);
        var k = nn.functional.normalize(encoder_q.call(batch.Views[1]), dim: 1);
        var logits = Logits(q, k);
        using var count = q.shape[0].ToScalar();
        using var targets = arange(HeldScalars.ZeroInt64, count, HeldScalars.OneInt64, dtype: ScalarType.Int64, device: q.device);
        var loss = nn.functional.cross_entropy(logits, targets);
        double accuracy;
        using (var scope = NewDisposeScope())
            accuracy = logits.argmax(1).eq(targets).to_type(ScalarType.Float32).mean().item<float>();
        return new MethodStepOutput(loss, accuracy, q.detach());
    }

    /// <summary>The N×N logits q·kᵀ / T: the positive of row i is column i, the rest are its negatives.</summary>
    /// <param name="queries">N×D L2-normalised queries.</param>
    /// <param name="keys">N×D L2-normalised keys (with gradient).</param>
    public Tensor Logits(Tensor queries, Tensor keys)
    {
        using var temperature = Temperature.ToScalar();
        return queries.mm(keys.t()).div_(temperature);
    }

    /// <inheritdoc />
    public void AfterOptimizerStep(TrainingPosition position)
    {
        // Nothing: there is no momentum encoder and no dictionary to keep.
    }
}
