using System.Text.Json.Serialization;
using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Heads;
using MlNetMoco.Core.Training;

namespace MlNetMoco.Core.Methods;

/// <summary>
/// The end-to-end mechanism of the MoCo paper's comparison (He et al. 2019, Figure 3): one encoder, negatives from the
/// mini-batch (K = batch size − 1), no momentum encoder and no queue (<see cref="EndToEnd"/>). Head, temperature and
/// views follow MoCo v2 so that only the mechanism differs.
/// </summary>
public sealed record EndToEndMethodOptions : MethodOptions
{
    /// <summary>Output dimension of the projection head. Default 128.</summary>
    public int ProjectionDim { get; init; } = MoCoDefaults.ProjectionDim;

    /// <summary>The projection head as blocks; null takes MoCo v2's MLP (Linear–ReLU–Linear). Default null.</summary>
    public HeadSpec? Head { get; init; }

    /// <summary>InfoNCE temperature T. Default 0.2 (MoCo v2).</summary>
    public double Temperature { get; init; } = MoCoDefaults.TemperatureV2;

    /// <summary>
    /// Number of sub-batches BatchNorm computes its statistics over (1 = plain BatchNorm). Queries and keys are encoded
    /// in separate passes, so no BatchNorm batch holds a query with its positive. Default 1.
    /// </summary>
    public int BatchNormSplits { get; init; } = 1;

    /// <summary>The augmentation of both views. Default MoCo v2's.</summary>
    public ViewAugmentation Augmentation { get; init; } = new();

    /// <inheritdoc />
    [JsonIgnore]
    public override string Name => "End-to-end";

    /// <inheritdoc />
    [JsonIgnore]
    public override IReadOnlyList<ViewAugmentation> Views => [Augmentation, Augmentation];

    /// <summary>The projection head in use for a backbone of <paramref name="featureDim"/> features.</summary>
    /// <param name="featureDim">The backbone's feature dimension.</param>
    public HeadSpec HeadFor(int featureDim) => Head ?? HeadSpec.ForVersion(MoCoVersion.V2, featureDim, ProjectionDim);

    /// <inheritdoc />
    public override void Validate(TrainingOptions training)
    {
        ArgumentNullException.ThrowIfNull(training);
        if (ProjectionDim <= 0) throw new ArgumentException($"Method.ProjectionDim = {ProjectionDim} is not valid: expected a positive number.", nameof(ProjectionDim));
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
        context.Log($"End-to-end: K = {context.BatchSize - 1} negatives per query (the other keys of the batch).");
        var method = new EndToEnd(backbone, HeadFor(BackboneFactory.FeatureDimOf(backbone)), Temperature, context.Device, context.Generator, context.InitialEncoder);
        method.train();
        return method;
    }
}
