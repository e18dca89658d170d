using Microsoft.ML.SearchSpace;
using MlNetMoco.Core.Augmentations;
using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Data;
using MlNetMoco.Core.Methods;
using MlNetMoco.Core.Optimization;
using MlNetMoco.Core.Training;

namespace MlNetMoco;

/// <summary>
/// Every setting of <see cref="MoCoEstimator"/>: the columns it reads and writes, the image shape and pixel scale,
/// and the MoCo pretraining recipe. Training defaults follow facebookresearch/moco (<c>main_moco.py</c>) for
/// MoCo v1 (He et al. 2020, "Momentum Contrast for Unsupervised Visual Representation Learning", arXiv:1911.05722)
/// and MoCo v2 (Chen et al. 2020, "Improved Baselines with Momentum Contrastive Learning", arXiv:2003.04297),
/// unless a setting says otherwise; their one source is <see cref="MoCoDefaults"/>, shared with the core options.
/// Those defaults are for ImageNet on a GPU; for small images on the CPU use <see cref="BackboneKind.SmallConvNet"/>,
/// a smaller <see cref="BatchSize"/>, <see cref="QueueSize"/> and <see cref="Epochs"/>. The training settings are
/// checked by the core (<see cref="TrainingOptions.Validate"/>) when Fit starts, with messages naming these properties.
/// </summary>
/// <remarks>
/// <para>
/// Tunable numeric settings carry <c>Microsoft.ML.SearchSpace</c> attributes (<see cref="RangeAttribute"/>,
/// <see cref="ChoiceAttribute"/>, <see cref="BooleanChoiceAttribute"/>) so that AutoML's <c>SearchSpace&lt;MoCoOptions&gt;</c>
/// can sweep them. Settings that are not hyper-parameters (columns, shape, device, paths, callbacks) carry none.
/// </para>
/// <para>
/// Input pixels: a <c>Vector&lt;Single&gt;</c> column laid out C×H×W channel-major (what <c>ExtractPixels</c>
/// writes with its default <c>interleavePixelColors: false</c>), with values in [0, <see cref="InputScale"/>]
/// (default 255, <c>ExtractPixels</c>' default output range); or an <c>MLImage</c> column (what <c>LoadImages</c>
/// and <c>ResizeImages</c> write), read as RGB in the R, G, B plane order of <c>ExtractPixels</c>' defaults.
/// </para>
/// </remarks>
public sealed partial class MoCoOptions
{
    /// <summary>The default <see cref="OutputColumnName"/>.</summary>
    internal const string DefaultOutputColumnName = "Features";

    /// <summary>The default <see cref="InputColumnName"/>.</summary>
    internal const string DefaultInputColumnName = "Pixels";

    // ----- Columns and input --------------------------------------------------------------------------------

    /// <summary>
    /// Name of the output column holding the backbone's pooled representation, a <c>Vector&lt;Single, D&gt;</c>
    /// with D = 256 (SmallConvNet), 512 (ResNet-18/34), 2048 (ResNet-50), 192 (ViT-Tiny) or 384 (ViT-Small). This is the encoder output before the
    /// projection head, the representation the MoCo papers evaluate with a linear classifier. Default "Features"
    /// (the column name ML.NET trainers read by default).
    /// </summary>
    public string OutputColumnName { get; set; } = DefaultOutputColumnName;

    /// <summary>
    /// Name of the input column: a known-size <c>Vector&lt;Single&gt;</c> of C×H×W pixels or an <c>MLImage</c>
    /// column. Default "Pixels".
    /// </summary>
    public string InputColumnName { get; set; } = DefaultInputColumnName;

    /// <summary>
    /// When set, Transform also writes the projection head's output (<see cref="ProjectionDim"/> values, the
    /// embedding the contrastive loss is computed on, not L2-normalised) to a column of this name.
    /// Default null (not written).
    /// </summary>
    public string? ProjectionColumnName { get; set; }

    /// <summary>
    /// Number of image channels (1 grayscale, 3 RGB). Null takes it from the column: the first of the three
    /// dimensions <c>ExtractPixels</c> gives its output, size/(height·width) for a one-dimensional vector, 3 for an
    /// image column. Default null.
    /// </summary>
    public int? ImageChannels { get; set; }

    /// <summary>
    /// Image height in pixels. Null takes it from the column's dimensions (<c>ExtractPixels</c> output, an image
    /// column after <c>ResizeImages</c>); required for a one-dimensional vector column that is not square. Default null.
    /// </summary>
    public int? ImageHeight { get; set; }

    /// <summary>Image width in pixels; see <see cref="ImageHeight"/>. Default null.</summary>
    public int? ImageWidth { get; set; }

    /// <summary>
    /// The value of a full-intensity pixel in a vector input column: values are divided by it to reach [0, 1].
    /// Default 255, the range of <c>ExtractPixels</c> with its default <c>scaleImage: 1</c>; use 1 when the pixels
    /// are already in [0, 1] (e.g. <c>ExtractPixels(scaleImage: 1f / 255)</c>). Values outside [0, InputScale] are
    /// clamped, with one warning. Image columns are always read as 8-bit (0..255) and ignore this setting.
    /// </summary>
    public float InputScale { get; set; } = 255f;

    /// <summary>
    /// Per-channel mean and standard deviation (in [0, 1] units) applied after augmentation and at inference.
    /// Null computes them from the training images. Default null.
    /// </summary>
    public ImageNormalization? Normalization { get; set; }

    /// <summary>
    /// Rows per forward pass of Transform (inference in eval mode, no gradients). Only speed and memory depend on
    /// it; the features of a row do not. Default 64.
    /// </summary>
    public int TransformBatchSize { get; set; } = 64;

    // ----- Method and architecture ---------------------------------------------------------------------------

    /// <summary>
    /// The recipe the version-dependent defaults follow: projection head (linear for v1, 2-layer MLP for v2),
    /// <see cref="Temperature"/>, <see cref="Schedule"/> and <see cref="Augmentation"/>.
    /// <see cref="MoCoVersion.V3"/> (Chen, Xie, He 2021) trains MoCo v3 instead (<see cref="MoCoV3MethodOptions"/>:
    /// projector and predictor MLPs with BatchNorm, 1024 wide, momentum 0.99 rising to 1, in-batch negatives, T = 1,
    /// asymmetric views, LARS at 0.6 per 256 images, per-step cosine schedule); the queue settings do not apply to it.
    /// Default <see cref="MoCoVersion.V2"/> (Chen et al. 2020).
    /// </summary>
    public MoCoVersion Version { get; set; } = MoCoDefaults.Version;

    /// <summary>
    /// The encoder architecture. Null lets <see cref="Recipe"/> decide: SmallConvNet on the CPU for images up to 64 px,
    /// else ResNet-18 (<see cref="AutoRecipe.Choose"/>); <see cref="MoCoRecipe.Paper"/> takes ResNet-18 (the MoCo
    /// CIFAR-10 demo's encoder). No recipe chooses a ViT: <see cref="BackboneKind.VitTiny"/> or
    /// <see cref="BackboneKind.VitSmall"/> (square images, <see cref="PatchSize"/>) is meant for
    /// <see cref="Version"/> = V3, whose ViT defaults then apply; v1 and v2 train it too (it has no BatchNorm, so
    /// <see cref="BatchNormSplits"/> has no effect). Default null.
    /// </summary>
    public BackboneKind? Backbone { get; set; }

    /// <summary>
    /// ResNets only: a 3×3 stride-1 first convolution and no max-pool, for small images such as 32×32 (as in the
    /// MoCo CIFAR-10 demo); false keeps the ImageNet stem. Null lets <see cref="Recipe"/> decide (Auto: true up to
    /// 64 px; Paper: false). Default null.
    /// </summary>
    public bool? SmallImageStem { get; set; }

    /// <summary>
    /// ViT backbones only (<see cref="BackboneKind.VitTiny"/>, <see cref="BackboneKind.VitSmall"/>): the side of the
    /// square patches, which must divide the image side (ViTs take square images). 0 = auto: 4 for images under 128 px
    /// a side, 16 (the ViT and MoCo v3 papers' patch on 224-px ImageNet crops) from 128 px on
    /// (<see cref="BackboneSpec.ForImages"/>). Must stay 0 with convolutional backbones. Default 0.
    /// </summary>
    public int PatchSize { get; set; }

    /// <summary>Output dimension of the projection head, the contrastive embedding. Default 128 (MoCo v1 and v2).</summary>
    [Choice(new object[] { 64, 128, 256 }, MoCoDefaults.ProjectionDim)]
    public int ProjectionDim { get; set; } = MoCoDefaults.ProjectionDim;

    /// <summary>
    /// Number of negative keys in the queue, K. Always capped at the keys one epoch enqueues minus one batch
    /// (⌊N/B⌋·B − B for N images in batches of B), in whole batches, with a log message saying so. Null lets
    /// <see cref="Recipe"/> decide (Auto: 4096, the MoCo CIFAR-10 demo's; Paper: 65536, MoCo's). Default null.
    /// </summary>
    public int? QueueSize { get; set; }

    /// <summary>
    /// Momentum m of the key encoder update θk ← m·θk + (1 − m)·θq. Null lets <see cref="Recipe"/> decide (Auto:
    /// 0.99 for runs under 20,000 steps, else 0.999; Paper: 0.999, MoCo's). Default null.
    /// </summary>
    public double? EncoderMomentum { get; set; }

    /// <summary>
    /// Softmax temperature T of the InfoNCE loss. Null takes the version's value: 0.07 for v1 (He et al. 2020),
    /// 0.2 for v2 (Chen et al. 2020), 1.0 for v3 with convolutional backbones and 0.2 for v3 with ViTs (Chen, Xie, He
    /// 2021). Default null.
    /// </summary>
    public double? Temperature { get; set; }

    /// <summary>
    /// Number of sub-batches BatchNorm normalises separately in training (Shuffle-BN of MoCo simulated on one device,
    /// as in the MoCo CIFAR-10 demo's SplitBatchNorm); <see cref="BatchSize"/> must be a multiple of it; 1 gives
    /// plain BatchNorm. Default 8 (the MoCo CIFAR-10 demo).
    /// </summary>
    public int BatchNormSplits { get; set; } = MoCoDefaults.BatchNormSplits;

    /// <summary>
    /// Leave out of each query's negatives the queued keys of its own image (stale copies from earlier epochs, frequent
    /// when the queue is not much smaller than the data set). Default true (an MlNetMoco addition; false gives the
    /// papers' loss).
    /// </summary>
    [BooleanChoice(MoCoDefaults.ExcludeSameImageNegatives)]
    public bool ExcludeSameImageNegatives { get; set; } = MoCoDefaults.ExcludeSameImageNegatives;

    // ----- Run control ---------------------------------------------------------------------------------------

    /// <summary>
    /// Device: "auto" (CUDA when available, else CPU), "cpu", "cuda" or "cuda:N". Used by Fit and by Transform.
    /// Default "auto".
    /// </summary>
    public string Device { get; set; } = MoCoDefaults.Device;

    /// <summary>
    /// Seed of every random choice (initialisation, epoch order, augmentations). The same seed on the CPU gives
    /// identical training. Default 0.
    /// </summary>
    public int Seed { get; set; } = MoCoDefaults.Seed;

    /// <summary>Folder for training checkpoints; null writes none. Default null.</summary>
    public string? CheckpointDirectory { get; set; }

    /// <summary>Write a checkpoint every N epochs (and always after the last). Default 10.</summary>
    public int CheckpointEveryEpochs { get; set; } = MoCoDefaults.CheckpointEveryEpochs;

    /// <summary>A checkpoint file to resume training from; null starts afresh. Default null.</summary>
    public string? ResumeFrom { get; set; }

    /// <summary>Receives a report after every training step and at the end of every epoch. Default null.</summary>
    public IProgress<TrainingProgress>? Progress { get; set; }

    /// <summary>
    /// Cancels Fit: checked while the input is read and between training steps; Fit then throws
    /// <see cref="OperationCanceledException"/> (after writing a checkpoint when <see cref="CheckpointDirectory"/>
    /// is set). Default none.
    /// </summary>
    public CancellationToken CancellationToken { get; set; }

    /// <summary>
    /// Receives one-line messages of Fit and Transform (device, warnings, checkpoints), in addition to the ML.NET
    /// channel (<c>MLContext.Log</c>) when the estimator was built with an <c>MLContext</c>. Default null.
    /// </summary>
    public Action<string>? Log { get; set; }

    // ----- k-NN monitor --------------------------------------------------------------------------------------

    /// <summary>
    /// Labelled images for the k-NN monitor (Wu et al. 2018, "Unsupervised Feature Learning via Non-Parametric
    /// Instance Discrimination"; used by the MoCo CIFAR-10 demo): at the end of every epoch the test images are
    /// classified by a weighted vote of their nearest training images, reported as
    /// <see cref="TrainingProgress.KnnAccuracy"/>. Build it from data views with
    /// <see cref="MoCoKnnMonitor.FromDataViews"/>. Default null (no monitor).
    /// </summary>
    public KnnMonitorData? KnnMonitor { get; set; }

    /// <summary>Number of neighbours of the k-NN monitor. Default 200 (Wu et al. 2018, the MoCo CIFAR-10 demo).</summary>
    public int KnnNeighbors { get; set; } = MoCoDefaults.KnnNeighbors;

    /// <summary>Temperature of the k-NN monitor's weighted vote. Default 0.1 (Wu et al. 2018, the MoCo CIFAR-10 demo).</summary>
    public double KnnTemperature { get; set; } = MoCoDefaults.KnnTemperature;

    /// <summary>A shallow copy (callbacks, token and monitor data are shared).</summary>
    public MoCoOptions Clone() => (MoCoOptions)MemberwiseClone();

    /// <summary>
    /// Checks the column and input settings (the training settings are checked by <see cref="ToTrainingOptions"/>).
    /// </summary>
    /// <exception cref="ArgumentException">A setting is out of range (the message names it).</exception>
    public MoCoOptions Validate()
    {
        static void Check(bool ok, string name, object? value, string expected)
        {
            if (!ok) throw new ArgumentException($"MoCoOptions.{name} = {value ?? "null"} is not valid: expected {expected}.", name);
        }
        Check(!string.IsNullOrWhiteSpace(OutputColumnName), nameof(OutputColumnName), OutputColumnName, "a column name");
        Check(!string.IsNullOrWhiteSpace(InputColumnName), nameof(InputColumnName), InputColumnName, "a column name");
        Check(ProjectionColumnName is null || ProjectionColumnName.Trim().Length > 0, nameof(ProjectionColumnName), ProjectionColumnName, "null or a column name");
        Check(ProjectionColumnName != OutputColumnName, nameof(ProjectionColumnName), ProjectionColumnName, $"a name other than OutputColumnName ('{OutputColumnName}')");
        Check(ImageChannels is null or > 0, nameof(ImageChannels), ImageChannels, "null or a positive number");
        Check(ImageHeight is null or > 0, nameof(ImageHeight), ImageHeight, "null or a positive number");
        Check(ImageWidth is null or > 0, nameof(ImageWidth), ImageWidth, "null or a positive number");
        Check(float.IsFinite(InputScale) && InputScale > 0, nameof(InputScale), InputScale, "a positive number (255 for ExtractPixels' default range, 1 for [0, 1])");
        Check(TransformBatchSize >= 1, nameof(TransformBatchSize), TransformBatchSize, "at least 1");
        Check(!string.IsNullOrWhiteSpace(Device), nameof(Device), Device, "\"auto\", \"cpu\", \"cuda\" or \"cuda:N\"");
        return this;
    }

    // ----- Pixel store (data bigger than memory) -------------------------------------------------------------

    /// <summary>
    /// A file to keep the training images in, one byte per value, memory-mapped while training: Fit reads the input
    /// column once into it, and a later Fit of the same data (same column, type, image shape, input scale, row count
    /// and first rows' pixels) reuses it without reading the rows again, e.g. across a hyper-parameter sweep. A file
    /// there that is not a pixel store is never overwritten (Fit fails and names it); a damaged store or one built
    /// from other data is rebuilt. The file stays after Fit: delete it with <see cref="MoCoPixelStore.Delete"/>.
    /// Null keeps small data in RAM and larger data in a temporary store (see <see cref="InMemoryLimitBytes"/>).
    /// Default null.
    /// </summary>
    public string? PixelStorePath { get; set; }

    /// <summary>
    /// Training images up to this many bytes (C·H·W bytes per image) are kept in RAM when no
    /// <see cref="PixelStorePath"/> is given; larger data goes to a temporary pixel store in the system's temporary
    /// folder, memory-mapped while training and deleted after Fit. 0 always uses the disk; values above about 2 GB
    /// (the most one array holds) act as 2 GB. Default 1 GiB (1,073,741,824 bytes: e.g. 350,000 images of 3×32×32).
    /// </summary>
    public long InMemoryLimitBytes { get; set; } = Core.Data.ImageStoreOptions.DefaultInMemoryLimitBytes;

    /// <summary>Checks <see cref="PixelStorePath"/> and <see cref="InMemoryLimitBytes"/>.</summary>
    /// <exception cref="ArgumentException">A setting is out of range (the message names it).</exception>
    internal void ValidatePixelStore()
    {
        if (PixelStorePath is not null && string.IsNullOrWhiteSpace(PixelStorePath))
            throw new ArgumentException("MoCoOptions.PixelStorePath is blank: expected null or a file path.", nameof(PixelStorePath));
        if (PixelStorePath is not null && Directory.Exists(PixelStorePath))
            throw new ArgumentException($"MoCoOptions.PixelStorePath = '{PixelStorePath}' is a folder: expected a file path (e.g. '{Path.Combine(PixelStorePath, "images.pxs")}').", nameof(PixelStorePath));
        if (InMemoryLimitBytes < 0)
            throw new ArgumentException($"MoCoOptions.InMemoryLimitBytes = {InMemoryLimitBytes} is not valid: expected 0 or more bytes.", nameof(InMemoryLimitBytes));
    }
}
