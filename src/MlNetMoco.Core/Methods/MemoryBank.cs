using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Heads;
using MlNetMoco.Core.Inference;
using MlNetMoco.Core.Losses;
using MlNetMoco.Core.Optimization;
using MlNetMoco.Core.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Methods;

/// <summary>
/// The memory-bank mechanism of the MoCo paper's comparison (He et al. 2019, Figure 2b and 3), after Instance
/// Discrimination (Wu et al. 2018, arXiv:1805.01978): one encoder and a bank holding one L2-normalised embedding per
/// image of the data set. A query's positive is its own image's entry in the bank; its K negatives are entries drawn at
/// random from the bank; after the step the entries of the batch's images move towards the new embeddings with
/// momentum (θ ← m·θ + (1−m)·q, renormalised; m = 0.5 as in the paper). The keys are therefore computed by encoders of
/// many past steps, the inconsistency MoCo's slowly moving key encoder removes. State names: <c>encoder_q.*</c> and
/// the buffer <c>memory</c> (N×D). Built by <see cref="MemoryBankMethodOptions"/>.
/// </summary>
public sealed class MemoryBank : nn.Module, ITrainingMethod
{
    private readonly Backbone encoder_q;
    private readonly Tensor memory;

    /// <summary>Builds the encoder and a bank of <paramref name="imageCount"/> random unit vectors.</summary>
    /// <param name="backbone">Encoder architecture.</param>
    /// <param name="head">The projection head; its output width is the bank's embedding width.</param>
    /// <param name="imageCount">Number of images N (rows of the bank).</param>
    /// <param name="negatives">Number of negatives K drawn from the bank per step (with replacement).</param>
    /// <param name="bankMomentum">Momentum m of the bank update (0.5 in InstDisc and the MoCo paper).</param>
    /// <param name="temperature">InfoNCE temperature T.</param>
    /// <param name="device">Device of the parameters and the bank.</param>
    /// <param name="generator">CPU generator of the initial weights and bank; null uses the process-wide generator.</param>
    /// <param name="initialEncoder">An encoder whose backbone weights start this one. Default null.</param>
    public MemoryBank(BackboneSpec backbone, HeadSpec head, int imageCount, int negatives, double bankMomentum, double temperature, Device device,
        Generator? generator = null, TrainedEncoder? initialEncoder = null)
        : base(nameof(MemoryBank))
    {
        ArgumentNullException.ThrowIfNull(backbone);
        ArgumentNullException.ThrowIfNull(head);
        ArgumentOutOfRangeException.ThrowIfLessThan(imageCount, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(negatives, 1);
        if (bankMomentum is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(bankMomentum), bankMomentum, "The bank momentum must be in [0, 1).");
        if (!(temperature > 0)) throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "The temperature must be positive.");
        head.Validate(BackboneFactory.FeatureDimOf(backbone));
        Head = head;
        Negatives = negatives;
        BankMomentum = bankMomentum;
        Temperature = temperature;
        encoder_q = BackboneFactory.Create(backbone, head.Build());
        if (generator != null) SeededInitialization.Apply(encoder_q, generator);
        if (initialEncoder != null) EncoderInitialization.CopyBackbone(encoder_q, initialEncoder);
        using (var random = randn(new long[] { imageCount, head.OutputDim }, generator: generator))
            memory = nn.functional.normalize(random, dim: 1).detach();
        register_buffer(nameof(memory), memory);
        RegisterComponents();
        this.to(device);
        memory = get_buffer(nameof(memory))!;
    }

    /// <inheritdoc />
    public string Name => "Memory bank";

    /// <summary>The projection head.</summary>
    public HeadSpec Head { get; }

    /// <summary>Number of negatives K drawn from the bank per step.</summary>
    public int Negatives { get; }

    /// <summary>Momentum m of the bank entries.</summary>
    public double BankMomentum { get; }

    /// <summary>InfoNCE temperature T.</summary>
    public double Temperature { get; }

    /// <summary>The bank: one L2-normalised embedding per image (N×D, no gradient).</summary>
    public Tensor Memory => memory;

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
    /// Encodes the view, draws K bank entries as negatives (with the step's generator; an entry of the query's own
    /// image is masked out), computes InfoNCE against the image's own bank entry as the positive, then moves the
    /// batch's bank entries towards the new embeddings.
    /// </summary>
    /// <param name="batch">One view, the images' indices (rows of the bank) and the step's generator.</param>
    /// <returns>The loss, the (K+1)-way top-1 accuracy and the detached normalised queries.</returns>
    /// <exception cref="ArgumentException">The batch does not have exactly one view.</exception>
    public MethodStepOutput Step(MethodBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Views.Count != 1) throw new ArgumentException($"The memory bank takes one view, got {batch.Views.Count}.", nameof(batch));
        var q = nn.functional.normalize(encoder_q.call(batch.Views[0]), dim: 1);
        var indices = batch.Indices.to(memory.device);
        var drawn = randint(0, memory.shape[0], new long[] { Negatives }, dtype: ScalarType.Int64, generator: batch.Generator).to(memory.device);
        var logits = Logits(q, indices, drawn);
        var loss = InfoNce.Loss(logits);
        double accuracy = InfoNce.TopOneAccuracy(logits);
        Update(indices, q.detach());
        return new MethodStepOutput(loss, accuracy, q.detach());
    }

    /// <summary>
    /// The N×(1+K) logits: column 0 against each query's own bank entry, columns 1…K against the drawn entries, divided
    /// by T; −∞ where a drawn entry is the query's own image.
    /// </summary>
    /// <param name="queries">N×D L2-normalised queries.</param>
    /// <param name="indices">The queries' image indices (int64).</param>
    /// <param name="drawn">The K drawn bank rows (int64).</param>
    public Tensor Logits(Tensor queries, Tensor indices, Tensor drawn)
    {
        using var scope = NewDisposeScope();
        var positives = memory.index_select(0, indices);
        var negatives = memory.index_select(0, drawn).t();
        var logits = InfoNce.Logits(queries, positives, negatives, Temperature);
        var own = indices.unsqueeze(1).eq(drawn.unsqueeze(0));
        var mask = cat([zeros(new long[] { logits.shape[0], 1 }, ScalarType.Bool, logits.device), own], 1);
        using var minusInfinity = float.NegativeInfinity.ToScalar();
        return logits.masked_fill(mask, minusInfinity).MoveToOuterDisposeScope();
    }

    /// <summary>θᵢ ← normalise(m·θᵢ + (1−m)·qᵢ) for the batch's images, in place.</summary>
    /// <param name="indices">The images' indices (int64).</param>
    /// <param name="embeddings">Their new L2-normalised embeddings (no gradient).</param>
    public void Update(Tensor indices, Tensor embeddings)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var keep = BankMomentum.ToScalar();
        using var take = (1 - BankMomentum).ToScalar();
        var moved = memory.index_select(0, indices).mul_(keep).add_(embeddings, take);
        memory.index_copy_(0, indices, nn.functional.normalize(moved, dim: 1));
    }

    /// <inheritdoc />
    public void AfterOptimizerStep(TrainingPosition position)
    {
        // Nothing: the bank is updated in Step with the embeddings the loss used, as in InstDisc.
    }
}
