using Microsoft.ML;
using Microsoft.ML.SearchSpace;
using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Optimization;
using MlNetMoco.Core.Training;

namespace MlNetMoco.FineTuning;

/// <summary>
/// Every setting of <see cref="FineTuneMoCoEstimator"/>: fine-tuning an encoder (pretrained with MoCo, read from a
/// file, or randomly initialised) with a new linear classifier on labelled images, in the core's training loop
/// (<see cref="Trainer"/>, <c>SupervisedMethodOptions</c>). Defaults come from <see cref="MoCoDefaults"/> (the
/// <c>FineTune…</c> constants); <see cref="LinearProbeProtocol"/> gives the linear protocol of facebookresearch/moco's
/// <c>main_lincls.py</c> (He et al. 2020).
/// </summary>
/// <remarks>
/// Every tunable setting carries a search-space attribute of <c>Microsoft.ML.SearchSpace</c> (<c>[Range]</c>,
/// <c>[Choice]</c>, <c>[BooleanChoice]</c>; each range contains the default), so AutoML's
/// <c>SearchSpace&lt;FineTuneMoCoOptions&gt;</c> can sweep them. Not tagged: shapes, columns, paths, callbacks, the seed,
/// early-stopping settings, and <see cref="Schedule"/> (nullable: null means cosine).
/// </remarks>
public sealed class FineTuneMoCoOptions
{
    /// <summary>The pixel column: a known-size <c>Vector&lt;Single&gt;</c> of C×H×W values in [0, InputScale] (<c>ExtractPixels</c>). Default "Pixels".</summary>
    public string InputColumnName { get; set; } = MoCoOptions.DefaultInputColumnName;

    /// <summary>
    /// The label column: a key (<c>MapValueToKey</c>; its KeyValues name the classes), or raw text or numbers, which
    /// the trainer maps itself (classes sorted: numbers ascending, text ordinally). Default "Label".
    /// </summary>
    public string LabelColumnName { get; set; } = DefaultLabelColumnName;

    /// <summary>The default label column name, "Label".</summary>
    public const string DefaultLabelColumnName = "Label";

    /// <summary>Image height; null takes it from the starting encoder or the column. Default null.</summary>
    public int? ImageHeight { get; set; }

    /// <summary>Image width; null takes it from the starting encoder or the column. Default null.</summary>
    public int? ImageWidth { get; set; }

    /// <summary>Image channels (1 or 3); null takes it from the starting encoder or the column. Default null.</summary>
    public int? ImageChannels { get; set; }

    /// <summary>Full-intensity value of a pixel (values are divided by it to reach [0, 1]). Default 255 (ExtractPixels).</summary>
    public float InputScale { get; set; } = 255f;

    /// <summary>
    /// Start from this fitted MoCo transformer's encoder (its <see cref="MoCoTransformer.Encoder"/>; its weights are
    /// copied, the transformer is left as it is). Its input shape and normalisation are used. Default null.
    /// </summary>
    public MoCoTransformer? Pretrained { get; set; }

    /// <summary>
    /// Start from the encoder in this file: a saved <see cref="MoCoTransformer"/>, an encoder file (either format of
    /// <c>EncoderFiles</c>) or any weight file <c>PretrainedEncoder</c> reads (facebookresearch/moco, moco-v3,
    /// torchvision, safetensors). Ignored when <see cref="Pretrained"/> is set. Default null (with no
    /// <see cref="Pretrained"/>: random initialisation, the baseline).
    /// </summary>
    public string? PretrainedPath { get; set; }

    /// <summary>Backbone of a randomly initialised encoder (no <see cref="Pretrained"/> or <see cref="PretrainedPath"/>). Default ResNet-18.</summary>
    public BackboneKind Backbone { get; set; } = MoCoDefaults.Backbone;

    /// <summary>CIFAR-style stem of a randomly initialised ResNet (3×3 conv, no max-pool). Default false.</summary>
    public bool SmallImageStem { get; set; } = MoCoDefaults.SmallImageStem;

    /// <summary>Passes over the training images. Default 30.</summary>
    [Range(1, 200, MoCoDefaults.FineTuneEpochs, true)]
    public int Epochs { get; set; } = MoCoDefaults.FineTuneEpochs;

    /// <summary>Images per step (the last partial batch of an epoch is kept). Default 64.</summary>
    [Choice(new object[] { 16, 32, 64, 128, 256 }, MoCoDefaults.FineTuneBatchSize)]
    public int BatchSize { get; set; } = MoCoDefaults.FineTuneBatchSize;

    /// <summary>Learning rate of the classifier (not scaled by the batch size). Default 0.05.</summary>
    [Range(1e-4, 1.0, MoCoDefaults.FineTuneLearningRate, true)]
    public double LearningRate { get; set; } = MoCoDefaults.FineTuneLearningRate;

    /// <summary>
    /// Learning-rate multiple of the backbone (parameter groups): 1 trains everything alike, 0 freezes the backbone's
    /// weights (only the classifier learns). Default 1 (measured best of 0.1, 0.3 and 1 on the embedded Fashion-MNIST
    /// subset, README).
    /// </summary>
    [Range(0.0, 1.0, MoCoDefaults.FineTuneBackboneLearningRateScale, false)]
    public double BackboneLearningRateScale { get; set; } = MoCoDefaults.FineTuneBackboneLearningRateScale;

    /// <summary>
    /// Epochs at the start that train only the classifier, on the frozen backbone with its BatchNorm in evaluation mode,
    /// before the whole network trains (LP-FT, Kumar et al. 2022): a random classifier's first gradients then do not
    /// disturb the pretrained features. Counted within <see cref="Epochs"/>; ignored when training starts from random
    /// initialisation. Default
    /// <see cref="MoCoDefaults.FineTuneHeadOnlyEpochs"/>.
    /// </summary>
    [Range(0, 20, MoCoDefaults.FineTuneHeadOnlyEpochs, false)]
    public int HeadOnlyEpochs { get; set; } = MoCoDefaults.FineTuneHeadOnlyEpochs;

    /// <summary>Keep the backbone's BatchNorm layers in evaluation mode (their statistics frozen). Default false.</summary>
    [BooleanChoice(false)]
    public bool FreezeBatchNorm { get; set; }

    /// <summary>SGD momentum. Default 0.9.</summary>
    [Range(0.5, 0.99, MoCoDefaults.SgdMomentum, false)]
    public double SgdMomentum { get; set; } = MoCoDefaults.SgdMomentum;

    /// <summary>Weight decay. Default 5e-4.</summary>
    [Range(1e-6, 1e-2, MoCoDefaults.FineTuneWeightDecay, true)]
    public double WeightDecay { get; set; } = MoCoDefaults.FineTuneWeightDecay;

    /// <summary>Learning-rate schedule; null is cosine per step (after the warm-up). Default null.</summary>
    public LearningRateScheduleKind? Schedule { get; set; }

    /// <summary>Epochs of linear warm-up (fewer than <see cref="Epochs"/>). Default 1.</summary>
    [Range(0, 10, MoCoDefaults.FineTuneWarmupEpochs, false)]
    public int WarmupEpochs { get; set; } = MoCoDefaults.FineTuneWarmupEpochs;

    /// <summary>Smallest random-resized-crop area fraction of the light augmentation (crop and flip, no colour changes). Default 0.6.</summary>
    [Range(0.08, 1.0, MoCoDefaults.FineTuneCropScaleMin, false)]
    public double CropScaleMin { get; set; } = MoCoDefaults.FineTuneCropScaleMin;

    /// <summary>Random horizontal flip in the augmentation. Default true.</summary>
    [BooleanChoice(MoCoDefaults.HorizontalFlip)]
    public bool HorizontalFlip { get; set; } = MoCoDefaults.HorizontalFlip;

    /// <summary>
    /// Fraction of the training rows held out (drawn with <see cref="Seed"/>) for early stopping; 0 holds none.
    /// Ignored when <see cref="ValidationData"/> is set. Default 0.
    /// </summary>
    public double ValidationFraction { get; set; }

    /// <summary>Labelled validation rows (same columns as the training data) for early stopping. Default null.</summary>
    public IDataView? ValidationData { get; set; }

    /// <summary>With validation data: stop after this many epochs without a better validation accuracy (the best epoch's weights are kept). Default 5.</summary>
    public int EarlyStoppingPatience { get; set; } = MoCoDefaults.FineTuneEarlyStoppingPatience;

    /// <summary>Device request: "auto" (CUDA when available), "cpu", "cuda" or "cuda:N". Default "auto".</summary>
    public string Device { get; set; } = MoCoDefaults.Device;

    /// <summary>Seed of every random choice (head initialisation, order, augmentation, validation split). Default 0.</summary>
    public int Seed { get; set; } = MoCoDefaults.Seed;

    /// <summary>Folder for checkpoints; null writes none. Default null.</summary>
    public string? CheckpointDirectory { get; set; }

    /// <summary>Write a checkpoint every N epochs (and at the end). Default 10.</summary>
    public int CheckpointEveryEpochs { get; set; } = MoCoDefaults.CheckpointEveryEpochs;

    /// <summary>A checkpoint to resume from (exact resume; early stopping's best weights restart from the resumed epoch). Default null.</summary>
    public string? ResumeFrom { get; set; }

    /// <summary>Receives a report after every step and at the end of every epoch. Default null.</summary>
    public IProgress<TrainingProgress>? Progress { get; set; }

    /// <summary>Cancels Fit between steps (a checkpoint is written first when a folder is set). Default none.</summary>
    public CancellationToken CancellationToken { get; set; }

    /// <summary>Receives one-line messages (device, epochs, early stopping). Default null.</summary>
    public Action<string>? Log { get; set; }

    /// <summary>
    /// The linear classification protocol of facebookresearch/moco <c>main_lincls.py</c> (He et al. 2020): frozen
    /// encoder including BatchNorm, SGD with learning rate 30, momentum 0.9, no weight decay, 100 epochs of 256 images
    /// with the rate ×0.1 at epochs 60 and 80, RandomResizedCrop (scale 0.08–1) and flip, no warm-up.
    /// </summary>
    /// <param name="pretrained">The encoder to probe. Default null (set <see cref="Pretrained"/> or <see cref="PretrainedPath"/> later).</param>
    public static FineTuneMoCoOptions LinearProbeProtocol(MoCoTransformer? pretrained = null) => new()
    {
        Pretrained = pretrained,
        BackboneLearningRateScale = 0,
        FreezeBatchNorm = true,
        LearningRate = MoCoDefaults.LinearProbeLearningRate,
        SgdMomentum = MoCoDefaults.SgdMomentum,
        WeightDecay = 0,
        Epochs = MoCoDefaults.LinearProbeEpochs,
        BatchSize = MoCoDefaults.LinearProbeBatchSize,
        Schedule = LearningRateScheduleKind.Step,
        WarmupEpochs = 0,
        CropScaleMin = MoCoDefaults.LinearProbeCropScaleMin,
    };

    /// <summary>A shallow copy (the data views, transformer and callbacks are shared).</summary>
    public FineTuneMoCoOptions Clone() => (FineTuneMoCoOptions)MemberwiseClone();
}
