using System.Text.Json.Serialization;
using MlNetMoco.Core.Augmentations;
using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Heads;
using MlNetMoco.Core.Optimization;
using MlNetMoco.Core.Training;

namespace MlNetMoco.Core.Methods;

/// <summary>
/// MoCo v3 (Chen, Xie, He 2021, arXiv:2104.02057; <see cref="MoCoV3"/>): projector and predictor MLPs with
/// BatchNorm, momentum encoder with a cosine-scheduled momentum, symmetric contrastive loss over the batch (no queue)
/// and BYOL's asymmetric views. Defaults in <see cref="MoCoV3Defaults"/>; the MLP widths are CPU-sized there, with the
/// paper's beside them. Train it with LARS (ResNets) or AdamW (ViTs): <see cref="TrainingOptions.MoCoV3"/>.
/// </summary>
public sealed record MoCoV3MethodOptions : MethodOptions
{
    /// <summary>Output width of projector and predictor. Default 128 (CPU-sized; the paper's is 256).</summary>
    public int ProjectionDim { get; init; } = MoCoV3Defaults.ProjectionDim;

    /// <summary>Hidden width of projector and predictor. Default 1024 (CPU-sized; the paper's is 4096).</summary>
    public int HiddenDim { get; init; } = MoCoV3Defaults.HiddenDim;

    /// <summary>Linear layers of the projector. Default 3 (the paper; facebookresearch/moco-v3's ResNet code uses 2).</summary>
    public int ProjectorLayers { get; init; } = MoCoV3Defaults.ProjectorLayers;

    /// <summary>Linear layers of the predictor. Default 2 (the paper).</summary>
    public int PredictorLayers { get; init; } = MoCoV3Defaults.PredictorLayers;

    /// <summary>The projector as blocks; null builds <see cref="HeadSpec.Mlp"/> from the widths above. Default null.</summary>
    public HeadSpec? Projector { get; init; }

    /// <summary>The predictor as blocks; null builds <see cref="HeadSpec.Mlp"/> from the widths above. Default null.</summary>
    public HeadSpec? Predictor { get; init; }

    /// <summary>Temperature T. Default 1.0 (the paper's for ResNets; 0.2 for ViTs).</summary>
    public double Temperature { get; init; } = MoCoV3Defaults.Temperature;

    /// <summary>Momentum m₀ of the momentum encoder at the start. Default 0.99 (the paper).</summary>
    public double EncoderMomentum { get; init; } = MoCoV3Defaults.EncoderMomentum;

    /// <summary>Whether m rises from m₀ to 1 on a half-cosine over training; false keeps m₀. Default true (the paper).</summary>
    public bool MomentumCosine { get; init; } = MoCoV3Defaults.MomentumCosine;

    /// <summary>BatchNorm sub-batches of the backbone (must divide the batch size). Default 1 (the paper's synchronised BatchNorm).</summary>
    public int BatchNormSplits { get; init; } = MoCoV3Defaults.BatchNormSplits;

    /// <summary>The first view's augmentation. Default MoCo v3's view 1 (blur p = 1), crop scale 0.08–1.</summary>
    public ViewAugmentation FirstView { get; init; } = new() { Preset = AugmentationPreset.MoCoV3View1, CropScaleMin = MoCoV3Defaults.CropScaleMin };

    /// <summary>The second view's augmentation. Default MoCo v3's view 2 (blur p = 0.1, solarise p = 0.2), crop scale 0.08–1.</summary>
    public ViewAugmentation SecondView { get; init; } = new() { Preset = AugmentationPreset.MoCoV3View2, CropScaleMin = MoCoV3Defaults.CropScaleMin };

    /// <inheritdoc />
    [JsonIgnore]
    public override string Name => "MoCo v3";

    /// <inheritdoc />
    [JsonIgnore]
    public override IReadOnlyList<ViewAugmentation> Views => [FirstView, SecondView];

    /// <inheritdoc />
    [JsonIgnore]
    public override LearningRateScheduleKind RecommendedSchedule => MoCoV3Defaults.Schedule;

    /// <summary>
    /// The projector in use for a backbone of <paramref name="featureDim"/> features: <see cref="Projector"/>, or
    /// Linear → BN → ReLU (× <see cref="ProjectorLayers"/> − 1) → Linear → BN without affine, no biases.
    /// </summary>
    /// <param name="featureDim">The backbone's feature dimension.</param>
    public HeadSpec ProjectorFor(int featureDim) =>
        Projector ?? HeadSpec.Mlp(featureDim, HiddenDim, ProjectionDim, ProjectorLayers, batchNorm: true, lastBatchNorm: true, bias: false);

    /// <summary>The predictor in use: <see cref="Predictor"/>, or Linear → BN → ReLU (× <see cref="PredictorLayers"/> − 1) → Linear, no biases.</summary>
    /// <param name="projectionDim">The projector's output width.</param>
    public HeadSpec PredictorFor(int projectionDim) =>
        Predictor ?? HeadSpec.Mlp(projectionDim, HiddenDim, ProjectionDim, PredictorLayers, batchNorm: true, bias: false);

    /// <inheritdoc />
    public override void Validate(TrainingOptions training)
    {
        ArgumentNullException.ThrowIfNull(training);
        static void Check(bool ok, string name, object? value, string expected)
        {
            if (!ok) throw new ArgumentException($"Method.{name} = {value ?? "null"} is not valid: expected {expected}.", name);
        }
        Check(ProjectionDim > 0, nameof(ProjectionDim), ProjectionDim, "a positive number");
        Check(HiddenDim > 0, nameof(HiddenDim), HiddenDim, "a positive number");
        Check(ProjectorLayers >= 1, nameof(ProjectorLayers), ProjectorLayers, "at least 1");
        Check(PredictorLayers >= 1, nameof(PredictorLayers), PredictorLayers, "at least 1");
        Check(Temperature > 0 && double.IsFinite(Temperature), nameof(Temperature), Temperature, "a positive number");
        Check(EncoderMomentum is >= 0 and <= 1, nameof(EncoderMomentum), EncoderMomentum, "a value in [0, 1]");
        Check(BatchNormSplits >= 1 && training.BatchSize % BatchNormSplits == 0, nameof(BatchNormSplits), BatchNormSplits,
            $"at least 1 and a divisor of BatchSize ({training.BatchSize})");
        Check(FirstView is not null, nameof(FirstView), FirstView, "a view augmentation");
        Check(SecondView is not null, nameof(SecondView), SecondView, "a view augmentation");
        FirstView!.Validate("Method.FirstView");
        SecondView!.Validate("Method.SecondView");
        var projector = ProjectorFor(BackboneFactory.FeatureDimOf(training.Backbone));
        try { projector.Validate(BackboneFactory.FeatureDimOf(training.Backbone)); }
        catch (ArgumentException e) { throw new ArgumentException($"Method.Projector: {e.Message}", nameof(Projector), e); }
        try { PredictorFor(projector.OutputDim).Validate(projector.OutputDim); }
        catch (ArgumentException e) { throw new ArgumentException($"Method.Predictor: {e.Message}", nameof(Predictor), e); }
    }

    /// <summary>Builds <see cref="MoCoV3"/> with these settings for the run's backbone.</summary>
    /// <param name="context">The run.</param>
    public override ITrainingMethod Create(MethodContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var backbone = context.Backbone with { BatchNormSplits = BatchNormSplits };
        var projector = ProjectorFor(BackboneFactory.FeatureDimOf(backbone));
        context.Log($"MoCo v3: K = {context.BatchSize - 1} negatives per query (the batch), T = {Temperature}, momentum {EncoderMomentum}{(MomentumCosine ? " → 1 (cosine)" : "")}.");
        var method = new MoCoV3(backbone, projector, PredictorFor(projector.OutputDim), EncoderMomentum, MomentumCosine, Temperature,
            context.Device, context.Generator, context.InitialEncoder);
        method.train();
        return method;
    }
}
