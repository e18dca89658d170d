using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Methods;
using MlNetMoco.Core.Optimization;

namespace MlNetMoco.Core.Training;

/// <summary>
/// The one source of MoCo v3's defaults (Chen, Xie, He 2021, "An Empirical Study of Training Self-Supervised Vision
/// Transformers", arXiv:2104.02057; facebookresearch/moco-v3 <c>main_moco.py</c>), read by
/// <see cref="MoCoV3MethodOptions"/>, <see cref="TrainingOptions.MoCoV3"/> and the ML.NET <c>MoCoOptions</c> with
/// <c>Version = V3</c>. Where the paper's value is meant for ImageNet on many GPUs (4096-wide MLPs, batch 4096), the
/// default is a CPU-sized one and the paper's value is kept beside it as <c>Paper…</c>.
/// </summary>
public static class MoCoV3Defaults
{
    /// <summary>Output width of projector and predictor: 128 (CPU-sized; the paper's is <see cref="PaperProjectionDim"/>).</summary>
    public const int ProjectionDim = 128;

    /// <summary>The paper's output width of projector and predictor: 256.</summary>
    public const int PaperProjectionDim = 256;

    /// <summary>Hidden width of projector and predictor: 1024 (CPU-sized; the paper's is <see cref="PaperHiddenDim"/>).</summary>
    public const int HiddenDim = 1024;

    /// <summary>The paper's hidden width of projector and predictor: 4096.</summary>
    public const int PaperHiddenDim = 4096;

    /// <summary>
    /// Linear layers of the projector: 3 (the paper's text; facebookresearch/moco-v3's ResNet code builds 2, its ViT
    /// code 3).
    /// </summary>
    public const int ProjectorLayers = 3;

    /// <summary>Linear layers of the predictor: 2.</summary>
    public const int PredictorLayers = 2;

    /// <summary>Contrastive temperature T for convolutional encoders (ResNet): 1.0.</summary>
    public const double Temperature = 1.0;

    /// <summary>Contrastive temperature T for Vision Transformers: 0.2.</summary>
    public const double TemperatureViT = 0.2;

    /// <summary>Momentum m₀ of the momentum encoder at the first step: 0.99 (then rising to 1 on a half-cosine).</summary>
    public const double EncoderMomentum = 0.99;

    /// <summary>The momentum follows the half-cosine schedule from m₀ to 1 over training: true (<c>--moco-m-cos</c>).</summary>
    public const bool MomentumCosine = true;

    /// <summary>BatchNorm sub-batches of the backbone: 1 (moco-v3 synchronises BatchNorm over the whole batch).</summary>
    public const int BatchNormSplits = 1;

    /// <summary>Smallest random-resized-crop area fraction: 0.08 (moco-v3's <c>--crop-min</c>, torchvision's).</summary>
    public const double CropScaleMin = 0.08;

    /// <summary>The optimizer of the ResNet recipe: LARS.</summary>
    public const OptimizerKind Optimizer = OptimizerKind.Lars;

    /// <summary>LARS learning rate for a batch of 256: 0.6 (ResNet-50 recipe).</summary>
    public const double LarsBaseLearningRate = 0.6;

    /// <summary>LARS weight decay: 1e-6 (ResNet-50 recipe).</summary>
    public const double LarsWeightDecay = 1e-6;

    /// <summary>AdamW learning rate for a batch of 256: 1.5e-4 (ViT recipe).</summary>
    public const double AdamWBaseLearningRate = 1.5e-4;

    /// <summary>AdamW weight decay: 0.1 (ViT recipe).</summary>
    public const double AdamWWeightDecay = 0.1;

    /// <summary>Warm-up epochs of the paper's ResNet recipe: 10 (40 for ViT); capped below the epochs of short runs.</summary>
    public const int WarmupEpochs = 10;

    /// <summary>Warm-up epochs of the paper's ViT recipe: 40 (its appendix, ViT-S/B 300 epochs); capped below the epochs of short runs.</summary>
    public const int WarmupEpochsViT = 40;

    /// <summary>The optimizer of the ViT recipe: AdamW.</summary>
    public const OptimizerKind OptimizerViT = OptimizerKind.AdamW;

    /// <summary>The learning-rate schedule: cosine set per step (moco-v3's <c>adjust_learning_rate</c>).</summary>
    public const LearningRateScheduleKind Schedule = LearningRateScheduleKind.CosinePerStep;

    /// <summary>The base learning rate of <paramref name="optimizer"/>: 0.6 for LARS, 1.5e-4 for AdamW, 0.03 (MoCo v2's) for SGD.</summary>
    /// <param name="optimizer">The optimizer.</param>
    public static double BaseLearningRateOf(OptimizerKind optimizer) => optimizer switch
    {
        OptimizerKind.Lars => LarsBaseLearningRate,
        OptimizerKind.AdamW => AdamWBaseLearningRate,
        _ => MoCoDefaults.BaseLearningRate,
    };

    /// <summary>The weight decay of <paramref name="optimizer"/>: 1e-6 for LARS, 0.1 for AdamW, 1e-4 (MoCo v2's) for SGD.</summary>
    /// <param name="optimizer">The optimizer.</param>
    public static double WeightDecayOf(OptimizerKind optimizer) => optimizer switch
    {
        OptimizerKind.Lars => LarsWeightDecay,
        OptimizerKind.AdamW => AdamWWeightDecay,
        _ => MoCoDefaults.WeightDecay,
    };

    /// <summary>The paper's optimizer for <paramref name="backbone"/>: AdamW for ViTs, LARS for convolutional backbones.</summary>
    /// <param name="backbone">The encoder architecture.</param>
    public static OptimizerKind OptimizerFor(BackboneKind backbone) => BackboneSpec.IsVit(backbone) ? OptimizerViT : Optimizer;

    /// <summary>The paper's temperature for <paramref name="backbone"/>: 0.2 for ViTs, 1.0 for convolutional backbones.</summary>
    /// <param name="backbone">The encoder architecture.</param>
    public static double TemperatureFor(BackboneKind backbone) => BackboneSpec.IsVit(backbone) ? TemperatureViT : Temperature;

    /// <summary>
    /// The paper's warm-up epochs for <paramref name="backbone"/>, 40 for ViTs and 10 for convolutional backbones,
    /// capped to a tenth of <paramref name="epochs"/> so that short runs are not all warm-up.
    /// </summary>
    /// <param name="backbone">The encoder architecture.</param>
    /// <param name="epochs">The run's epochs.</param>
    public static int WarmupEpochsFor(BackboneKind backbone, int epochs) =>
        Math.Min(BackboneSpec.IsVit(backbone) ? WarmupEpochsViT : WarmupEpochs, epochs / 10);
}
