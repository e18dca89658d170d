using Microsoft.ML.SearchSpace;
using MlNetMoco.Core.Augmentations;
using MlNetMoco.Core.Optimization;
using MlNetMoco.Core.Training;

namespace MlNetMoco;

// The optimisation settings: epochs, batch, learning rate and schedule, optimizer, weight decay, warm-up, augmentation.
public sealed partial class MoCoOptions
{
    /// <summary>
    /// Number of passes over the training images. Null lets <see cref="Recipe"/> decide (Auto: about 300,000 images
    /// seen on the CPU, 2,000,000 on CUDA, 20 to 200 epochs; Paper: 200, MoCo v1 and v2's ImageNet runs). Default null.
    /// </summary>
    public int? Epochs { get; set; }

    /// <summary>
    /// Images per step; the last partial batch of an epoch is dropped, and Fit needs at least one full batch. Null
    /// lets <see cref="Recipe"/> decide (Auto: the largest power of two ≤ min(128 on the CPU or 256 on CUDA, N/8), at
    /// least 32; Paper: 256, MoCo's). Default null.
    /// </summary>
    public int? BatchSize { get; set; }

    /// <summary>
    /// SGD learning rate for a batch of 256 images; the rate used is BaseLearningRate·BatchSize/256 (linear
    /// scaling, Goyal et al. 2017). Null lets <see cref="Recipe"/> decide (Auto: 0.06 on the CPU, whose runs are
    /// short, 0.03 on CUDA; Paper: 0.03, MoCo's). Default null.
    /// </summary>
    public double? BaseLearningRate { get; set; }

    /// <summary>
    /// The optimizer: SGD (MoCo v1/v2), AdamW or LARS (MoCo v3). Null takes the version's: SGD for v1 and v2; for v3
    /// LARS with convolutional backbones and AdamW with ViTs (the paper's, <see cref="MoCoV3Defaults.OptimizerFor"/>;
    /// <see cref="BaseLearningRate"/> left null is then 0.6 for LARS, 1.5e-4 for AdamW, per 256 images).
    /// Default null.
    /// </summary>
    public OptimizerKind? Optimizer { get; set; }

    /// <summary>Momentum of SGD (and LARS). Default 0.9 (MoCo).</summary>
    [Range(0.5, 0.99, MoCoDefaults.SgdMomentum, false)]
    public double SgdMomentum { get; set; } = MoCoDefaults.SgdMomentum;

    /// <summary>
    /// Weight decay (L2 for SGD and LARS, decoupled for AdamW). Default 1e-4 (MoCo), for v3 with convolutional
    /// backbones too (its paper used 1e-6 with LARS, <see cref="MoCoV3Defaults"/>: set it for its recipe). Exception:
    /// with <see cref="Version"/> = V3 and a ViT backbone, a WeightDecay that was never assigned takes the paper's
    /// value for the optimizer (<see cref="MoCoV3Defaults.WeightDecayOf"/>: 0.1 with AdamW, the ViT recipe);
    /// assigning any value, 1e-4 included, keeps that value.
    /// </summary>
    [Range(1e-6, 1e-3, MoCoDefaults.WeightDecay, true)]
    public double WeightDecay { get => _weightDecay.Value; set => _weightDecay = new(value, true); }

    private AssignableSetting<double> _weightDecay = new(MoCoDefaults.WeightDecay, false);

    /// <summary>
    /// Learning-rate schedule. Null takes the version's: step decay ×0.1 at 60 % and 80 % of the epochs for v1
    /// (MoCo's epochs 120 and 160 of 200), cosine for v2. Default null.
    /// </summary>
    public LearningRateScheduleKind? Schedule { get; set; }

    /// <summary>
    /// Epochs of linear learning-rate warm-up from 0 (fewer than <see cref="Epochs"/>). Default 0 (MoCo). Exception:
    /// with <see cref="Version"/> = V3 and a ViT backbone, a WarmupEpochs that was never assigned takes the paper's
    /// ViT warm-up, 40 epochs, capped to a tenth of the epochs (<see cref="MoCoV3Defaults.WarmupEpochsFor"/>).
    /// </summary>
    public int WarmupEpochs { get => _warmupEpochs.Value; set => _warmupEpochs = new(value, true); }

    private AssignableSetting<int> _warmupEpochs = new(MoCoDefaults.WarmupEpochs, false);

    /// <summary>
    /// Augmentation recipe of the two views. Null follows <see cref="Version"/>: MoCo v1's (random resized crop,
    /// grayscale, colour jitter, flip) or MoCo v2's (adds Gaussian blur, stronger jitter). Default null.
    /// </summary>
    public AugmentationPreset? Augmentation { get; set; }

    /// <summary>Side length of the random crops fed to the encoders; null keeps the input size. Default null.</summary>
    public int? CropSize { get; set; }

    /// <summary>
    /// Smallest area of the random resized crops, as a fraction of the image (both views). Null lets
    /// <see cref="Recipe"/> decide (Auto: 0.5 below 24 px, 0.35 below 64 px, else 0.2; Paper: 0.2,
    /// facebookresearch/moco; torchvision's default is 0.08). Default null.
    /// </summary>
    public double? CropScaleMin { get; set; }

    /// <summary>Largest area of the random resized crops, as a fraction of the image (both views). Null: 1 (both recipes). Default null.</summary>
    public double? CropScaleMax { get; set; }

    /// <summary>
    /// Random horizontal flips of both views (turn off for images whose orientation matters: digits, text, many
    /// document or medical images). Null lets <see cref="Recipe"/> decide (both recipes: on, as in MoCo). Default null.
    /// </summary>
    public bool? HorizontalFlip { get; set; }
}
