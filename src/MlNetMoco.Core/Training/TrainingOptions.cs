using System.Text.Json.Serialization;
using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Data;
using MlNetMoco.Core.Methods;
using MlNetMoco.Core.Optimization;

namespace MlNetMoco.Core.Training;

/// <summary>
/// Every setting of a training run: the method (<see cref="Method"/>, polymorphic: MoCo, supervised, …) and the loop's
/// own settings (backbone, epochs, batch, optimizer, learning-rate schedule, device, seed, checkpoints). Defaults
/// (<see cref="MoCoDefaults"/>) are MoCo v2's from facebookresearch/moco <c>main_moco.py</c>.
/// </summary>
public sealed record TrainingOptions
{
    /// <summary>The method and its settings. Default MoCo v2 (<see cref="MoCoMethodOptions"/>).</summary>
    public MethodOptions Method { get; init; } = new MoCoMethodOptions();

    /// <summary>
    /// The encoder architecture. Its <see cref="BackboneSpec.BatchNormSplits"/> is set by the method (MoCo:
    /// <see cref="MoCoMethodOptions.BatchNormSplits"/>; supervised: 1). Default ResNet-18, 3 channels, ImageNet stem.
    /// </summary>
    public BackboneSpec Backbone { get; init; } = new(MoCoDefaults.Backbone);

    /// <summary>Number of passes over the data. Default 200 (MoCo).</summary>
    public int Epochs { get; init; } = MoCoDefaults.Epochs;

    /// <summary>
    /// Images per step. Self-supervised methods drop each epoch's last partial batch and need at least one full batch;
    /// supervised training keeps it when it holds 2 images or more. Default 256 (MoCo).
    /// </summary>
    public int BatchSize { get; init; } = MoCoDefaults.BatchSize;

    /// <summary>The optimizer and its hyper-parameters. Default SGD, momentum 0.9, weight decay 1e-4 (MoCo).</summary>
    public OptimizerOptions Optimizer { get; init; } = new();

    /// <summary>
    /// Learning rate; with <see cref="ScaleLearningRate"/> it is the rate for a batch of 256 and the rate used is
    /// BaseLearningRate·BatchSize/256 (linear scaling, Goyal et al. 2017). Default 0.03 (MoCo).
    /// </summary>
    public double BaseLearningRate { get; init; } = MoCoDefaults.BaseLearningRate;

    /// <summary>Whether <see cref="BaseLearningRate"/> is scaled by BatchSize/256. Default true (MoCo).</summary>
    public bool ScaleLearningRate { get; init; } = true;

    /// <summary>Learning-rate schedule; null takes the method's (<see cref="MethodOptions.RecommendedSchedule"/>: step for MoCo v1, cosine for v2). Default null.</summary>
    public LearningRateScheduleKind? Schedule { get; init; }

    /// <summary>Epochs of linear warm-up from 0 to the scaled rate. Default 0.</summary>
    public int WarmupEpochs { get; init; } = MoCoDefaults.WarmupEpochs;

    /// <summary>Device request: "auto" (CUDA when available), "cpu", "cuda" or "cuda:N". Default "auto".</summary>
    public string Device { get; init; } = MoCoDefaults.Device;

    /// <summary>Seed of every random choice (initialisation, order, augmentation). Same seed on CPU → identical losses. Default 0.</summary>
    public int Seed { get; init; } = MoCoDefaults.Seed;

    /// <summary>Folder for checkpoints; null writes none. Default null.</summary>
    public string? CheckpointDirectory { get; init; }

    /// <summary>Write a checkpoint every N epochs (and always at the end). Default 10.</summary>
    public int CheckpointEveryEpochs { get; init; } = MoCoDefaults.CheckpointEveryEpochs;

    /// <summary>A checkpoint file to resume from; null starts afresh. Default null.</summary>
    public string? ResumeFrom { get; init; }

    /// <summary>The schedule in use: <see cref="Schedule"/> or the method's.</summary>
    [JsonIgnore]
    public LearningRateScheduleKind EffectiveSchedule => Schedule ?? Method.RecommendedSchedule;

    /// <summary>The learning rate before the schedule: BaseLearningRate·BatchSize/256, or BaseLearningRate unscaled.</summary>
    [JsonIgnore]
    public double ScaledLearningRate => ScaleLearningRate ? BaseLearningRate * BatchSize / 256.0 : BaseLearningRate;

    /// <summary>MoCo pretraining with the defaults of <paramref name="version"/>.</summary>
    /// <param name="version">The recipe.</param>
    public static TrainingOptions MoCo(MoCoVersion version) => new() { Method = new MoCoMethodOptions { Version = version } };

    /// <summary>
    /// MoCo v3 pretraining of <paramref name="backbone"/> (<see cref="MoCoV3MethodOptions"/>, defaults in
    /// <see cref="MoCoV3Defaults"/>) with the paper's recipe for the backbone: <paramref name="optimizer"/> (null: LARS
    /// for ResNets, AdamW for ViTs, <see cref="MoCoV3Defaults.OptimizerFor"/>) at the paper's learning rate and weight
    /// decay for it (LARS: 0.6 per 256 images, 1e-6; AdamW: 1.5e-4, 0.1), T = 1.0 for ResNets and 0.2 for ViTs, a
    /// per-step cosine schedule and 10 warm-up epochs for ResNets, 40 for ViTs (capped to a tenth of
    /// <paramref name="epochs"/>).
    /// </summary>
    /// <param name="backbone">The encoder architecture.</param>
    /// <param name="epochs">Passes over the data. Default 200.</param>
    /// <param name="optimizer">LARS, AdamW, or SGD (MoCo v2's rate and decay); null takes the backbone's. Default null.</param>
    public static TrainingOptions MoCoV3(BackboneSpec backbone, int epochs = MoCoDefaults.Epochs, OptimizerKind? optimizer = null)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        var kind = optimizer ?? MoCoV3Defaults.OptimizerFor(backbone.Kind);
        return new()
        {
            Method = new MoCoV3MethodOptions { Temperature = MoCoV3Defaults.TemperatureFor(backbone.Kind) },
            Backbone = backbone,
            Epochs = epochs,
            BaseLearningRate = MoCoV3Defaults.BaseLearningRateOf(kind),
            Optimizer = new OptimizerOptions { Kind = kind, WeightDecay = MoCoV3Defaults.WeightDecayOf(kind) },
            WarmupEpochs = MoCoV3Defaults.WarmupEpochsFor(backbone.Kind, epochs),
        };
    }

    /// <summary>
    /// These options for images of <paramref name="shape"/>: the backbone's automatic sizes resolved
    /// (<see cref="BackboneSpec.ForImages"/>: a ViT's image side and patch size) and, for a ViT, every view's crop size
    /// checked against its image side (a ViT takes one input size). Convolutional backbones are unchanged.
    /// <see cref="Trainer.Run"/> calls it before building anything, so checkpoints and encoder files store the
    /// resolved sizes.
    /// </summary>
    /// <param name="shape">The training images' shape C×H×W.</param>
    /// <returns>The resolved options (these when nothing was automatic).</returns>
    /// <exception cref="ArgumentException">A setting does not fit the images; the message names it ("Backbone.PatchSize = …").</exception>
    public TrainingOptions ForImages(ImageShape shape)
    {
        ArgumentNullException.ThrowIfNull(Backbone);
        BackboneSpec backbone;
        try
        {
            backbone = Backbone.ForImages(shape);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{nameof(Backbone)}.{e.Message}", e.ParamName, e);
        }
        if (backbone.IsVisionTransformer)
            foreach (var view in Method?.Views ?? [])
                if (view.CropSize is { } crop && crop != backbone.ImageSize)
                    throw new ArgumentException(
                        $"CropSize = {crop} is not valid with a {backbone.Kind} backbone: it takes {backbone.ImageSize}×{backbone.ImageSize} images (expected null or {backbone.ImageSize}).",
                        nameof(ViewAugmentation.CropSize));
        return backbone == Backbone ? this : this with { Backbone = backbone };
    }

    /// <summary>
    /// Supervised training of <paramref name="backbone"/> with a linear classifier: SGD (momentum 0.9, weight decay
    /// 5e-4), learning rate 0.05 (not scaled by the batch size) with a per-step cosine schedule, 30 epochs of 64 images.
    /// </summary>
    /// <param name="backbone">The encoder architecture.</param>
    public static TrainingOptions Supervised(BackboneSpec backbone) => new()
    {
        Method = new SupervisedMethodOptions(),
        Backbone = backbone,
        Epochs = 30,
        BatchSize = 64,
        BaseLearningRate = 0.05,
        ScaleLearningRate = false,
        Optimizer = new OptimizerOptions { Momentum = 0.9, WeightDecay = 5e-4 },
    };

    /// <summary>
    /// Throws <see cref="ArgumentException"/> naming the first setting that is out of range (the method's settings
    /// under "Method.", the optimizer's under "Optimizer."), before any data is read.
    /// </summary>
    /// <returns>These options.</returns>
    public TrainingOptions Validate()
    {
        static void Check(bool ok, string name, object? value, string expected)
        {
            if (!ok) throw new ArgumentException($"{name} = {value ?? "null"} is not valid: expected {expected}.", name);
        }
        Check(Method is not null, nameof(Method), Method, "method options (e.g. MoCoMethodOptions)");
        Check(Backbone is not null, nameof(Backbone), Backbone, "a backbone");
        Check(Optimizer is not null, nameof(Optimizer), Optimizer, "optimizer options");
        Check(Epochs >= 1, nameof(Epochs), Epochs, "at least 1");
        Check(BatchSize >= 2, nameof(BatchSize), BatchSize, "at least 2");
        Check(BaseLearningRate > 0 && double.IsFinite(BaseLearningRate), nameof(BaseLearningRate), BaseLearningRate, "a positive number");
        Check(Schedule is null || Enum.IsDefined(Schedule.Value), nameof(Schedule), Schedule, "null or " + string.Join(", ", Enum.GetNames<LearningRateScheduleKind>()));
        Check(WarmupEpochs >= 0 && WarmupEpochs < Epochs, nameof(WarmupEpochs), WarmupEpochs, "0 or more and fewer than Epochs");
        Check(!string.IsNullOrWhiteSpace(Device), nameof(Device), Device, "\"auto\", \"cpu\", \"cuda\" or \"cuda:N\"");
        Check(CheckpointEveryEpochs >= 1, nameof(CheckpointEveryEpochs), CheckpointEveryEpochs, "at least 1");
        Optimizer!.Validate();
        Method!.Validate(this);
        return this;
    }
}
