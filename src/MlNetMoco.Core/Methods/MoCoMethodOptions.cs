using System.Text.Json.Serialization;
using MlNetMoco.Core.Augmentations;
using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Heads;
using MlNetMoco.Core.Optimization;
using MlNetMoco.Core.Training;

namespace MlNetMoco.Core.Methods;

/// <summary>
/// MoCo v1/v2 (He et al. 2019, arXiv:1911.05722; Chen et al. 2020, arXiv:2003.04297): key encoder momentum, queue,
/// temperature, projection head, Shuffle-BN and the two views. Defaults (<see cref="MoCoDefaults"/>) follow
/// facebookresearch/moco <c>main_moco.py</c>; <see cref="Version"/> picks the version-dependent ones.
/// </summary>
public sealed record MoCoMethodOptions : MethodOptions
{
    /// <summary>The recipe of the version-dependent defaults (head, temperature, schedule, augmentation). Default v2.</summary>
    public MoCoVersion Version { get; init; } = MoCoDefaults.Version;

    /// <summary>Output dimension of the projection head (the key dimension). Default 128 (MoCo v1 and v2).</summary>
    public int ProjectionDim { get; init; } = MoCoDefaults.ProjectionDim;

    /// <summary>
    /// The projection head as blocks; null takes the version's (v1: Linear(d, ProjectionDim); v2: Linear(d, d) → ReLU →
    /// Linear(d, ProjectionDim), d the backbone's feature dimension). When set, <see cref="ProjectionDim"/> is ignored.
    /// Default null.
    /// </summary>
    public HeadSpec? Head { get; init; }

    /// <summary>
    /// Number of negative keys K. Default 65536 (MoCo). Capped at the keys one epoch enqueues minus one batch
    /// (<see cref="QueueSizing"/>), with a log line saying so.
    /// </summary>
    public int QueueSize { get; init; } = MoCoDefaults.QueueSize;

    /// <summary>Momentum m of the key encoder update θk ← m·θk + (1−m)·θq. Default 0.999 (MoCo).</summary>
    public double EncoderMomentum { get; init; } = MoCoDefaults.EncoderMomentum;

    /// <summary>Softmax temperature T of InfoNCE; null takes 0.07 for v1 and 0.2 for v2. Default null.</summary>
    public double? Temperature { get; init; }

    /// <summary>
    /// Number of sub-batches whose statistics BatchNorm uses in training (Shuffle-BN on one device, the MoCo CIFAR-10
    /// demo's SplitBatchNorm); the batch size must be a multiple of it; 1 gives plain BatchNorm. Default 8.
    /// </summary>
    public int BatchNormSplits { get; init; } = MoCoDefaults.BatchNormSplits;

    /// <summary>
    /// Leave out of each query's negatives the queued keys of its own image (computed in earlier epochs), which are
    /// stale positives rather than negatives; they are frequent when the queue is not much smaller than the data set
    /// (<see cref="QueueSizing"/>). Default true (an MlNetMoco addition; false is the papers' loss).
    /// </summary>
    public bool ExcludeSameImageNegatives { get; init; } = MoCoDefaults.ExcludeSameImageNegatives;

    /// <summary>Augmentation recipe of both views; null follows <see cref="Version"/>. Default null.</summary>
    public AugmentationPreset? Augmentation { get; init; }

    /// <summary>Side length of the random crops of both views; null keeps the input size. Default null.</summary>
    public int? CropSize { get; init; }

    /// <summary>Smallest random-crop area fraction of both views. Default 0.2 (facebookresearch/moco).</summary>
    public double CropScaleMin { get; init; } = MoCoDefaults.CropScaleMin;

    /// <summary>Largest random-crop area fraction of both views. Default 1.</summary>
    public double CropScaleMax { get; init; } = MoCoDefaults.CropScaleMax;

    /// <summary>Random horizontal flip of both views. Default true.</summary>
    public bool HorizontalFlip { get; init; } = MoCoDefaults.HorizontalFlip;

    /// <summary>Keep the preset's random Gaussian blur (MoCo v2's; MoCo v1 has none). Default true (MoCo v2).</summary>
    public bool GaussianBlur { get; init; } = true;

    /// <summary>Hue strength of both views' colour jitter (<see cref="ViewAugmentation.HueJitter"/>); null keeps the preset's. Default null.</summary>
    public double? HueJitter { get; init; }

    /// <summary>
    /// The two views' augmentations (queries, keys) when they differ, e.g. asymmetric views; null builds both from
    /// <see cref="Augmentation"/>, <see cref="CropSize"/>, <see cref="CropScaleMin"/>, <see cref="CropScaleMax"/> and
    /// <see cref="HorizontalFlip"/>. Default null.
    /// </summary>
    public IReadOnlyList<ViewAugmentation>? ViewAugmentations { get; init; }

    /// <summary>The temperature in use: <see cref="Temperature"/> or the version's.</summary>
    [JsonIgnore]
    public double EffectiveTemperature => Temperature ?? MoCoDefaults.TemperatureOf(Version);

    /// <summary>The augmentation recipe in use: <see cref="Augmentation"/> or the version's.</summary>
    [JsonIgnore]
    public AugmentationPreset EffectiveAugmentation => Augmentation ?? (Version == MoCoVersion.V1 ? AugmentationPreset.MoCoV1 : AugmentationPreset.MoCoV2);

    /// <inheritdoc />
    [JsonIgnore]
    public override string Name => $"MoCo {Version.ToString().ToLowerInvariant()}";

    /// <inheritdoc />
    [JsonIgnore]
    public override IReadOnlyList<ViewAugmentation> Views
    {
        get
        {
            if (ViewAugmentations is { } views) return views;
            var view = new ViewAugmentation
            {
                Preset = EffectiveAugmentation, CropSize = CropSize, CropScaleMin = CropScaleMin, CropScaleMax = CropScaleMax, HorizontalFlip = HorizontalFlip, GaussianBlur = GaussianBlur,
                HueJitter = HueJitter,
            };
            return [view, view];
        }
    }

    /// <inheritdoc />
    [JsonIgnore]
    public override LearningRateScheduleKind RecommendedSchedule =>
        Version == MoCoVersion.V1 ? LearningRateScheduleKind.Step : LearningRateScheduleKind.Cosine;

    /// <summary>The projection head in use for a backbone of <paramref name="featureDim"/> features.</summary>
    /// <param name="featureDim">The backbone's feature dimension.</param>
    public HeadSpec HeadFor(int featureDim) => Head ?? HeadSpec.ForVersion(Version, featureDim, ProjectionDim);

    /// <inheritdoc />
    public override void Validate(TrainingOptions training)
    {
        ArgumentNullException.ThrowIfNull(training);
        static void Check(bool ok, string name, object? value, string expected)
        {
            if (!ok) throw new ArgumentException($"Method.{name} = {value ?? "null"} is not valid: expected {expected}.", name);
        }
        Check(Version is MoCoVersion.V1 or MoCoVersion.V2, nameof(Version), Version, "V1 or V2 (MoCo v3 has its own options: MoCoV3MethodOptions)");
        Check(ProjectionDim > 0, nameof(ProjectionDim), ProjectionDim, "a positive number");
        Check(QueueSize > 0, nameof(QueueSize), QueueSize, "a positive number");
        Check(EncoderMomentum is >= 0 and <= 1, nameof(EncoderMomentum), EncoderMomentum, "a value in [0, 1]");
        Check(EffectiveTemperature > 0 && double.IsFinite(EffectiveTemperature), nameof(Temperature), Temperature, "null or a positive number");
        Check(BatchNormSplits >= 1, nameof(BatchNormSplits), BatchNormSplits, "at least 1");
        Check(training.BatchSize % BatchNormSplits == 0, "BatchSize", training.BatchSize, $"a multiple of BatchNormSplits ({BatchNormSplits})");
        Check(Augmentation is null || Enum.IsDefined(Augmentation.Value), nameof(Augmentation), Augmentation, "null, MoCoV1, MoCoV2, MoCoV3View1 or MoCoV3View2");
        Check(ViewAugmentations is null || ViewAugmentations.Count == 2, nameof(ViewAugmentations), ViewAugmentations?.Count, "null or two views (queries, keys)");
        var views = Views;
        for (int i = 0; i < views.Count; i++)
        {
            if (views[i] is null) throw new ArgumentException($"Method.Views[{i}] is null.", nameof(ViewAugmentations));
            views[i].Validate(ViewAugmentations is null ? "Method" : $"Method.ViewAugmentations[{i}]");
        }
        if (Head is not null)
        {
            int featureDim = BackboneFactory.FeatureDimOf(training.Backbone);
            try { Head.Validate(featureDim); }
            catch (ArgumentException e) { throw new ArgumentException($"Method.Head: {e.Message}", nameof(Head), e); }
        }
    }

    /// <summary>
    /// Builds <see cref="MoCo"/>: the backbone with <see cref="BatchNormSplits"/>, the head, the queue size chosen by
    /// <see cref="QueueSizing"/> for the data set (logged when it differs from <see cref="QueueSize"/>).
    /// </summary>
    /// <param name="context">The run.</param>
    public override ITrainingMethod Create(MethodContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var backbone = context.Backbone with { BatchNormSplits = BatchNormSplits };
        var (queueSize, reason) = QueueSizing.Choose(QueueSize, context.ImageCount, context.BatchSize);
        if (reason is not null) context.Log(reason);
        var moco = new MoCo(backbone, HeadFor(BackboneFactory.FeatureDimOf(backbone)), queueSize, EncoderMomentum, EffectiveTemperature,
            context.Device, context.Generator, ExcludeSameImageNegatives, context.InitialEncoder, Name);
        moco.train();
        return moco;
    }
}
