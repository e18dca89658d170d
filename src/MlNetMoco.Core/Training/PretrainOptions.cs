using MlNetMoco.Core.Augmentations;
using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Methods;
using MlNetMoco.Core.Optimization;

namespace MlNetMoco.Core.Training;

/// <summary>
/// Every setting of a MoCo pretraining run. Defaults follow facebookresearch/moco (main_moco.py) unless noted;
/// <see cref="ForVersion"/> fills the version-dependent ones.
/// </summary>
public sealed record PretrainOptions
{
    /// <summary>The recipe (head, temperature, schedule, augmentations). Default <see cref="MoCoVersion.V2"/>.</summary>
    public MoCoVersion Version { get; init; } = MoCoVersion.V2;

    /// <summary>The encoder architecture. Default ResNet-18, 3 channels, ImageNet stem.</summary>
    public BackboneSpec Backbone { get; init; } = new(BackboneKind.ResNet18);

    /// <summary>Output dimension of the projection head (the contrastive embedding). Default 128 (MoCo).</summary>
    public int ProjectionDim { get; init; } = 128;

    /// <summary>Number of negative keys in the queue, K. Default 65536 (MoCo); clamped to the data set size.</summary>
    public int QueueSize { get; init; } = 65536;

    /// <summary>Momentum m of the key encoder update θk ← m·θk + (1−m)·θq. Default 0.999 (MoCo).</summary>
    public double EncoderMomentum { get; init; } = 0.999;

    /// <summary>Softmax temperature T of InfoNCE; null takes 0.07 for v1 and 0.2 for v2.</summary>
    public double? Temperature { get; init; }

    /// <summary>
    /// Number of sub-batches whose statistics BatchNorm uses (Shuffle-BN on one device, SplitBatchNorm).
    /// Default 8 (the MoCo CIFAR demo); 1 gives plain BatchNorm.
    /// </summary>
    public int BatchNormSplits { get; init; } = 8;

    /// <summary>Number of passes over the data. Default 200 (MoCo).</summary>
    public int Epochs { get; init; } = 200;

    /// <summary>Images per step; the last partial batch of an epoch is dropped. Default 256 (MoCo).</summary>
    public int BatchSize { get; init; } = 256;

    /// <summary>Learning rate for a batch of 256; the rate used is BaseLearningRate·BatchSize/256. Default 0.03 (MoCo).</summary>
    public double BaseLearningRate { get; init; } = 0.03;

    /// <summary>SGD momentum. Default 0.9.</summary>
    public double SgdMomentum { get; init; } = 0.9;

    /// <summary>SGD weight decay. Default 1e-4.</summary>
    public double WeightDecay { get; init; } = 1e-4;

    /// <summary>Learning-rate schedule; null takes step for v1 and cosine for v2.</summary>
    public LearningRateScheduleKind? Schedule { get; init; }

    /// <summary>Epochs of linear warm-up from 0 to the scaled rate. Default 0.</summary>
    public int WarmupEpochs { get; init; }

    /// <summary>Augmentation recipe; null follows <see cref="Version"/>.</summary>
    public AugmentationPreset? Augmentation { get; init; }

    /// <summary>Side length of the random crops fed to the encoders; null keeps the input size.</summary>
    public int? CropSize { get; init; }

    /// <summary>Device request: "auto" (CUDA when available), "cpu", "cuda" or "cuda:N". Default "auto".</summary>
    public string Device { get; init; } = "auto";

    /// <summary>Seed of every random choice (initialisation, order, augmentation). Same seed on CPU → identical losses. Default 0.</summary>
    public int Seed { get; init; }

    /// <summary>Folder for checkpoints; null writes none.</summary>
    public string? CheckpointDirectory { get; init; }

    /// <summary>Write a checkpoint every N epochs (and always at the end). Default 10.</summary>
    public int CheckpointEveryEpochs { get; init; } = 10;

    /// <summary>A checkpoint file to resume from; null starts afresh.</summary>
    public string? ResumeFrom { get; init; }

    /// <summary>Number of k-NN monitor neighbours. Default 200 (Wu et al. 2018, as in the MoCo CIFAR demo).</summary>
    public int KnnNeighbors { get; init; } = 200;

    /// <summary>Temperature of the k-NN monitor's weighted vote. Default 0.1.</summary>
    public double KnnTemperature { get; init; } = 0.1;

    /// <summary>The temperature in use: <see cref="Temperature"/> or the version's default.</summary>
    public double EffectiveTemperature => Temperature ?? (Version == MoCoVersion.V1 ? 0.07 : 0.2);

    /// <summary>The schedule in use: <see cref="Schedule"/> or the version's default.</summary>
    public LearningRateScheduleKind EffectiveSchedule => Schedule ?? (Version == MoCoVersion.V1 ? LearningRateScheduleKind.Step : LearningRateScheduleKind.Cosine);

    /// <summary>The augmentation recipe in use: <see cref="Augmentation"/> or the version's default.</summary>
    public AugmentationPreset EffectiveAugmentation => Augmentation ?? (Version == MoCoVersion.V1 ? AugmentationPreset.MoCoV1 : AugmentationPreset.MoCoV2);

    /// <summary>The learning rate after linear scaling, BaseLearningRate·BatchSize/256.</summary>
    public double ScaledLearningRate => BaseLearningRate * BatchSize / 256.0;

    /// <summary>Options with the defaults of <paramref name="version"/>.</summary>
    public static PretrainOptions ForVersion(MoCoVersion version) => new() { Version = version };

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting that is out of range.</summary>
    public PretrainOptions Validate()
    {
        static void Check(bool ok, string name, object? value, string expected)
        {
            if (!ok) throw new ArgumentException($"{name} = {value} is not valid: expected {expected}.", name);
        }
        Check(ProjectionDim > 0, nameof(ProjectionDim), ProjectionDim, "a positive number");
        Check(QueueSize > 0, nameof(QueueSize), QueueSize, "a positive number");
        Check(EncoderMomentum is >= 0 and <= 1, nameof(EncoderMomentum), EncoderMomentum, "a value in [0, 1]");
        Check(EffectiveTemperature > 0, nameof(Temperature), Temperature, "a positive number");
        Check(BatchNormSplits >= 1, nameof(BatchNormSplits), BatchNormSplits, "at least 1");
        Check(Epochs >= 1, nameof(Epochs), Epochs, "at least 1");
        Check(BatchSize >= 2, nameof(BatchSize), BatchSize, "at least 2");
        Check(BatchSize % BatchNormSplits == 0, nameof(BatchSize), BatchSize, $"a multiple of BatchNormSplits ({BatchNormSplits})");
        Check(BaseLearningRate > 0, nameof(BaseLearningRate), BaseLearningRate, "a positive number");
        Check(SgdMomentum is >= 0 and < 1, nameof(SgdMomentum), SgdMomentum, "a value in [0, 1)");
        Check(WeightDecay >= 0, nameof(WeightDecay), WeightDecay, "a non-negative number");
        Check(WarmupEpochs >= 0 && WarmupEpochs < Epochs, nameof(WarmupEpochs), WarmupEpochs, "0 or more and fewer than Epochs");
        Check(CropSize is null or > 0, nameof(CropSize), CropSize, "null or a positive number");
        Check(CheckpointEveryEpochs >= 1, nameof(CheckpointEveryEpochs), CheckpointEveryEpochs, "at least 1");
        Check(KnnNeighbors >= 1, nameof(KnnNeighbors), KnnNeighbors, "at least 1");
        Check(KnnTemperature > 0, nameof(KnnTemperature), KnnTemperature, "a positive number");
        return this;
    }
}
