using System.Text.Json.Serialization;
using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Heads;
using MlNetMoco.Core.Training;

namespace MlNetMoco.Core.Methods;

/// <summary>
/// The memory-bank mechanism of the MoCo paper's comparison (He et al. 2019, Figure 3; Wu et al. 2018, InstDisc): one
/// encoder and one stored embedding per image, negatives drawn from the bank, entries updated with momentum
/// (<see cref="MemoryBank"/>). Head, temperature and augmentation follow MoCo v2 so that only the mechanism differs.
/// </summary>
public sealed record MemoryBankMethodOptions : MethodOptions
{
    /// <summary>Output dimension of the projection head (the bank's embedding width). Default 128.</summary>
    public int ProjectionDim { get; init; } = MoCoDefaults.ProjectionDim;

    /// <summary>The projection head as blocks; null takes MoCo v2's MLP (Linear–ReLU–Linear). Default null.</summary>
    public HeadSpec? Head { get; init; }

    /// <summary>Number of negatives K drawn from the bank per step. Default 4096 (InstDisc).</summary>
    public int Negatives { get; init; } = 4096;

    /// <summary>Momentum m of the bank entries, θ ← m·θ + (1−m)·q. Default 0.5 (InstDisc, the MoCo paper).</summary>
    public double BankMomentum { get; init; } = 0.5;

    /// <summary>InfoNCE temperature T. Default 0.2 (MoCo v2).</summary>
    public double Temperature { get; init; } = MoCoDefaults.TemperatureV2;

    /// <summary>Number of sub-batches BatchNorm computes its statistics over (1 = plain BatchNorm). Default 1.</summary>
    public int BatchNormSplits { get; init; } = 1;

    /// <summary>The augmentation of the single view. Default MoCo v2's.</summary>
    public ViewAugmentation Augmentation { get; init; } = new();

    /// <inheritdoc />
    [JsonIgnore]
    public override string Name => "Memory bank";

    /// <inheritdoc />
    [JsonIgnore]
    public override IReadOnlyList<ViewAugmentation> Views => [Augmentation];

    /// <summary>The projection head in use for a backbone of <paramref name="featureDim"/> features.</summary>
    /// <param name="featureDim">The backbone's feature dimension.</param>
    public HeadSpec HeadFor(int featureDim) => Head ?? HeadSpec.ForVersion(MoCoVersion.V2, featureDim, ProjectionDim);

    /// <inheritdoc />
    public override void Validate(TrainingOptions training)
    {
        ArgumentNullException.ThrowIfNull(training);
        if (ProjectionDim <= 0) throw new ArgumentException($"Method.ProjectionDim = {ProjectionDim} is not valid: expected a positive number.", nameof(ProjectionDim));
        if (Negatives <= 0) throw new ArgumentException($"Method.Negatives = {Negatives} is not valid: expected a positive number.", nameof(Negatives));
        if (BankMomentum is < 0 or >= 1 || double.IsNaN(BankMomentum))
            throw new ArgumentException($"Method.BankMomentum = {BankMomentum} is not valid: expected a value in [0, 1).", nameof(BankMomentum));
        if (!(Temperature > 0) || double.IsInfinity(Temperature))
            throw new ArgumentException($"Method.Temperature = {Temperature} is not valid: expected a positive number.", nameof(Temperature));
        if (BatchNormSplits < 1 || training.BatchSize % BatchNormSplits != 0)
            throw new ArgumentException($"Method.BatchNormSplits = {BatchNormSplits} is not valid: expected at least 1 and a divisor of BatchSize ({training.BatchSize}).", nameof(BatchNormSplits));
        if (Augmentation is null) throw new ArgumentException("Method.Augmentation is null.", nameof(Augmentation));
        Augmentation.Validate("Method.Augmentation");
        Head?.Validate(BackboneFactory.FeatureDimOf(training.Backbone));
    }

    /// <inheritdoc />
    public override ITrainingMethod Create(MethodContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var backbone = context.Backbone with { BatchNormSplits = BatchNormSplits };
        var method = new MemoryBank(backbone, HeadFor(BackboneFactory.FeatureDimOf(backbone)), context.ImageCount, Negatives, BankMomentum, Temperature,
            context.Device, context.Generator, context.InitialEncoder);
        method.train();
        return method;
    }
}
