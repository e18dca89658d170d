using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Methods;
using MlNetMoco.Core.Optimization;

namespace MlNetMoco.Core.Training;

/// <summary>
/// The one source of MoCo's defaults, read by the core options (<see cref="TrainingOptions"/>,
/// <see cref="MoCoMethodOptions"/>, <see cref="OptimizerOptions"/>), by the ML.NET <c>MoCoOptions</c> and by the
/// <c>PretrainMoCo</c> catalog entry (constants, so they can be default parameter values). Values follow
/// facebookresearch/moco <c>main_moco.py</c> (MoCo v1: He et al. 2019, arXiv:1911.05722; v2: Chen et al. 2020,
/// arXiv:2003.04297) unless noted.
/// </summary>
public static class MoCoDefaults
{
    /// <summary>The recipe: MoCo v2.</summary>
    public const MoCoVersion Version = MoCoVersion.V2;

    /// <summary>The encoder: ResNet-18 (the MoCo CIFAR-10 demo's).</summary>
    public const BackboneKind Backbone = BackboneKind.ResNet18;

    /// <summary>ResNet stem: the ImageNet one (false).</summary>
    public const bool SmallImageStem = false;

    /// <summary>Embedding (projection) dimension: 128.</summary>
    public const int ProjectionDim = 128;

    /// <summary>Number of negative keys K: 65536.</summary>
    public const int QueueSize = 65536;

    /// <summary>Key-encoder momentum m: 0.999.</summary>
    public const double EncoderMomentum = 0.999;

    /// <summary>InfoNCE temperature of MoCo v1: 0.07.</summary>
    public const double TemperatureV1 = 0.07;

    /// <summary>InfoNCE temperature of MoCo v2: 0.2.</summary>
    public const double TemperatureV2 = 0.2;

    /// <summary>BatchNorm sub-batches of Shuffle-BN on one device: 8 (the MoCo CIFAR-10 demo).</summary>
    public const int BatchNormSplits = 8;

    /// <summary>
    /// Leave a query's own earlier keys out of its negatives: true (an MlNetMoco addition; the papers' queues are far
    /// smaller than their data sets, where this rarely happens).
    /// </summary>
    public const bool ExcludeSameImageNegatives = true;

    /// <summary>Passes over the data: 200.</summary>
    public const int Epochs = 200;

    /// <summary>Images per step: 256.</summary>
    public const int BatchSize = 256;

    /// <summary>Learning rate for a batch of 256: 0.03.</summary>
    public const double BaseLearningRate = 0.03;

    /// <summary>The optimizer: SGD.</summary>
    public const OptimizerKind Optimizer = OptimizerKind.Sgd;

    /// <summary>SGD momentum: 0.9.</summary>
    public const double SgdMomentum = 0.9;

    /// <summary>Weight decay: 1e-4.</summary>
    public const double WeightDecay = 1e-4;

    /// <summary>Linear warm-up epochs: 0.</summary>
    public const int WarmupEpochs = 0;

    /// <summary>Smallest random-resized-crop area fraction: 0.2 (MoCo's <c>main_moco.py</c>; torchvision's is 0.08).</summary>
    public const double CropScaleMin = 0.2;

    /// <summary>Largest random-resized-crop area fraction: 1.</summary>
    public const double CropScaleMax = 1.0;

    /// <summary>Random horizontal flip: on.</summary>
    public const bool HorizontalFlip = true;

    /// <summary>
    /// Standardise the emitted features per dimension with their mean and std over the training images: true (an
    /// MlNetMoco addition, so ML.NET's L2-penalised linear trainers work on the column as emitted).
    /// </summary>
    public const bool StandardizeFeatures = true;

    /// <summary>Device request: "auto".</summary>
    public const string Device = "auto";

    /// <summary>Seed: 0.</summary>
    public const int Seed = 0;

    /// <summary>Checkpoint interval: every 10 epochs.</summary>
    public const int CheckpointEveryEpochs = 10;

    /// <summary>k-NN monitor neighbours: 200 (Wu et al. 2018, the MoCo CIFAR-10 demo).</summary>
    public const int KnnNeighbors = KnnMonitor.DefaultNeighbors;

    /// <summary>k-NN monitor temperature: 0.1 (Wu et al. 2018, the MoCo CIFAR-10 demo).</summary>
    public const double KnnTemperature = KnnMonitor.DefaultTemperature;

    /// <summary>Fine-tuning epochs: 30.</summary>
    public const int FineTuneEpochs = 30;

    /// <summary>Fine-tuning images per step: 64 (the last partial batch is kept).</summary>
    public const int FineTuneBatchSize = 64;

    /// <summary>Fine-tuning learning rate of the classifier (not scaled by the batch size): 0.05.</summary>
    public const double FineTuneLearningRate = 0.05;

    /// <summary>
    /// Fine-tuning learning-rate multiple of the backbone: 1 (the backbone learns at the classifier's rate). On the
    /// embedded Fashion-MNIST subset with 1,000 labels and 80 epochs, ×1 beat ×0.3 and ×0.1 by 0.7 and 2.2 points
    /// (README); small CPU-trained encoders are far from ImageNet-scale trunks that need a gentler rate.
    /// </summary>
    public const double FineTuneBackboneLearningRateScale = 1.0;

    /// <summary>Fine-tuning weight decay: 5e-4.</summary>
    public const double FineTuneWeightDecay = 5e-4;

    /// <summary>Fine-tuning warm-up epochs: 1 (then a per-step cosine schedule).</summary>
    public const int FineTuneWarmupEpochs = 1;

    /// <summary>Fine-tuning: epochs that train only the classifier first (LP-FT, Kumar et al. 2022). Default 0.</summary>
    public const int FineTuneHeadOnlyEpochs = 0;

    /// <summary>Fine-tuning light augmentation: random-resized-crop scale from 0.6 (and a horizontal flip).</summary>
    public const double FineTuneCropScaleMin = 0.6;

    /// <summary>Fine-tuning early stopping: stop after 5 epochs without a better validation accuracy.</summary>
    public const int FineTuneEarlyStoppingPatience = 5;

    /// <summary>Linear protocol (facebookresearch/moco <c>main_lincls.py</c>): learning rate 30.</summary>
    public const double LinearProbeLearningRate = 30.0;

    /// <summary>Linear protocol: 100 epochs (rate ×0.1 at epochs 60 and 80).</summary>
    public const int LinearProbeEpochs = 100;

    /// <summary>Linear protocol: batch 256.</summary>
    public const int LinearProbeBatchSize = 256;

    /// <summary>Linear protocol: torchvision's RandomResizedCrop scale from 0.08.</summary>
    public const double LinearProbeCropScaleMin = 0.08;

    /// <summary>Training report: labelled rows used at most (probe training part and held-out part together), 5,000 (an MlNetMoco choice: a few seconds per epoch).</summary>
    public const int ReportMaxRows = 5000;

    /// <summary>Training report: fraction of the labelled rows the probe is trained on when they are split (the rest is held out), 0.8.</summary>
    public const double ReportTrainFraction = 0.8;

    /// <summary>Report probe (<see cref="LinearProbe"/>): 200 full-batch Adam steps (Kingma and Ba 2015).</summary>
    public const int ReportProbeSteps = 200;

    /// <summary>Report probe: Adam learning rate 0.05 on standardised inputs.</summary>
    public const double ReportProbeLearningRate = 0.05;

    /// <summary>Report probe: L2 weight decay 1e-3 (the penalty of a regularised logistic regression).</summary>
    public const double ReportProbeWeightDecay = 1e-3;

    /// <summary>Seconds between two progress lines in the log during an epoch, 30 (0: only the epoch summaries).</summary>
    public const double LogIntervalSeconds = 30;

    /// <summary>The temperature of <paramref name="version"/>: 0.07 (v1), 0.2 (v2) or 1.0 (v3 with a ResNet, <see cref="MoCoV3Defaults"/>).</summary>
    /// <param name="version">The recipe.</param>
    public static double TemperatureOf(MoCoVersion version) => version switch
    {
        MoCoVersion.V1 => TemperatureV1,
        MoCoVersion.V3 => MoCoV3Defaults.Temperature,
        _ => TemperatureV2,
    };
}
