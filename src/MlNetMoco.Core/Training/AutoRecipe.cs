using System.Globalization;
using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Data;
using MlNetMoco.Core.Methods;

namespace MlNetMoco.Core.Training;

/// <summary>
/// Chooses MoCo's settings for the input at hand (a pure function of the image count N, the shape C×H×W and whether
/// training runs on CUDA), each with a one-line reason; or the papers' settings (<see cref="Paper"/>). The papers'
/// recipe is for 1.28M ImageNet images on 8 GPUs; a user's pool of 1,000–5,000 small images on a CPU needs a smaller
/// encoder, smaller batches, more epochs, a faster key encoder, milder crops and no blur at small sizes.
/// </summary>
/// <remarks>An MlNetMoco addition; the rules and their sources are on <see cref="Choose"/>.</remarks>
public static class AutoRecipe
{
    /// <summary>
    /// Images seen per pretraining run on the CPU (N·epochs): 300,000, about 5–10 minutes for SmallConvNet at 16–32 px
    /// on two cores. 200,000 (20 epochs of 10,000 images) left the embedded Fashion-MNIST subset's frozen probe
    /// behind a 30-epoch run (README).
    /// </summary>
    public const int CpuImageBudget = 300_000;

    /// <summary>Images seen per pretraining run on CUDA (N·epochs).</summary>
    public const int CudaImageBudget = 2_000_000;

    /// <summary>
    /// Largest batch on the CPU: 128. A CPU run sees few images, so it needs the steps: at the same budget, batches
    /// of 128 give twice the optimizer steps of 256 (measured on the embedded Fashion-MNIST subset, README).
    /// </summary>
    public const int CpuMaxBatchSize = 128;

    /// <summary>Largest batch on CUDA: 256 (MoCo's).</summary>
    public const int CudaMaxBatchSize = 256;

    /// <summary>
    /// SGD learning rate per 256 images on the CPU: 0.06, twice MoCo's 0.03, for runs of a few thousand steps
    /// (the setting measured best on the embedded Fashion-MNIST subset with batches of 128, README). CUDA runs keep
    /// MoCo's 0.03.
    /// </summary>
    public const double CpuBaseLearningRate = 0.06;

    /// <summary>Optimizer steps below which the key encoder uses m = 0.99 instead of MoCo's 0.999.</summary>
    public const int FastMomentumSteps = 20_000;

    /// <summary>
    /// Hue strength of the colour jitter for colour images: 0.5, any hue (MoCo v2's is 0.1, v1's 0.4). With v2's 0.1
    /// two views of an image keep nearly its colours, and on a small pool the encoder learns to tell images apart by
    /// them (the colour shortcut SimCLR describes): on Fashion-MNIST with random tints, 0.5 lifted the frozen features'
    /// linear probe by 3 to 9 points (README, "Does it help on my data?").
    /// </summary>
    public const double ColourHueJitter = 0.5;

    /// <summary>Largest side (pixels) treated as a small image: small ResNet stem, milder crops.</summary>
    public const int SmallImageSide = 64;

    /// <summary>
    /// The papers' settings from <see cref="MoCoDefaults"/> (facebookresearch/moco <c>main_moco.py</c>; ResNet-18, the
    /// MoCo CIFAR-10 demo's encoder), whatever the input.
    /// </summary>
    public static RecipeSettings Paper()
    {
        const string why = "the MoCo papers' setting (MoCoRecipe.Paper)";
        return new RecipeSettings(MoCoDefaults.Backbone, MoCoDefaults.SmallImageStem, MoCoDefaults.Epochs, MoCoDefaults.BatchSize,
            MoCoDefaults.BaseLearningRate, MoCoDefaults.QueueSize, MoCoDefaults.EncoderMomentum, MoCoDefaults.CropScaleMin,
            MoCoDefaults.CropScaleMax, MoCoDefaults.HorizontalFlip, true,
            new[] { "Backbone", "SmallImageStem", "Epochs", "BatchSize", "BaseLearningRate", "QueueSize", "EncoderMomentum", "CropScale", "HorizontalFlip", "GaussianBlur", "HueJitter" }
                .ToDictionary(k => k, _ => why));
    }

    /// <summary>
    /// The settings for <paramref name="imageCount"/> images of <paramref name="shape"/>:
    /// <list type="bullet">
    /// <item>Backbone: SmallConvNet on the CPU for images up to 64 px (ResNet-18 steps are about 30× slower there);
    /// otherwise ResNet-18, with the small stem up to 64 px (the MoCo CIFAR-10 demo's).</item>
    /// <item>Batch: the largest power of two ≤ min(128 on the CPU or 256 on CUDA, N/8), at least 32 (at least 8 steps
    /// per epoch, so the queue fills from several batches and BatchNorm sees 8 Shuffle-BN splits of ≥ 4 images).</item>
    /// <item>Epochs: a budget of N·epochs = 300,000 images on the CPU (2,000,000 on CUDA), between 20 and 200.</item>
    /// <item>Learning rate per 256 images (scaled linearly to the batch, Goyal et al. 2017): 0.06 on the CPU, whose
    /// runs are short; MoCo's 0.03 on CUDA.</item>
    /// <item>Queue: 4,096 keys (the queue of the MoCo CIFAR-10 demo), capped by <see cref="QueueSizing"/> to the
    /// keys of one epoch minus a batch.</item>
    /// <item>Key-encoder momentum: 0.99 when the run has fewer than 20,000 steps (MoCo's 0.999 makes the key encoder
    /// average the last ~1,000 steps, most of a short run; 0.99 is the MoCo CIFAR-10 demo's value).</item>
    /// <item>Crops: area 0.2–1 (MoCo) from 64 px up; 0.35–1 at 24–63 px; 0.5–1 below 24 px, where a 20% crop keeps
    /// fewer than 5×5 source pixels.</item>
    /// <item>Blur: MoCo v2's σ of up to 2 px is applied only to images larger than 32 px (SimCLR, Chen et al. 2020,
    /// leaves blur out on 32×32 CIFAR-10).</item>
    /// <item>Hue jitter: any hue (0.5) for colour images instead of MoCo v2's 0.1 (<see cref="ColourHueJitter"/>);
    /// nothing to change for grayscale.</item>
    /// <item>Grayscale (C = 1): no change needed, since the grayscale op is the identity and colour jitter changes
    /// brightness and contrast only; reported.</item>
    /// <item>Flip: on (as in every MoCo recipe); turn it off for digits, text or other images whose mirror image
    /// means something else.</item>
    /// </list>
    /// </summary>
    /// <param name="imageCount">Number of training images N (at least 1).</param>
    /// <param name="shape">Shape of the training images.</param>
    /// <param name="cuda">Whether training runs on a CUDA device.</param>
    /// <exception cref="ArgumentException">The count is not positive or the shape is not valid.</exception>
    public static RecipeSettings Choose(int imageCount, ImageShape shape, bool cuda)
    {
        if (imageCount < 1) throw new ArgumentOutOfRangeException(nameof(imageCount), imageCount, "Expected at least one image.");
        shape.Validate();
        var reasons = new Dictionary<string, string>();
        int side = Math.Min(shape.Height, shape.Width);
        string size = $"{shape.Height}×{shape.Width}";
        string device = cuda ? "CUDA" : "the CPU";
        bool small = side <= SmallImageSide;

        var backbone = !cuda && small ? BackboneKind.SmallConvNet : BackboneKind.ResNet18;
        reasons["Backbone"] = backbone == BackboneKind.SmallConvNet
            ? $"{size} images on the CPU: a 4-layer ConvNet trains about 30× faster than ResNet-18"
            : $"{size} images on {device}: ResNet-18 (the MoCo CIFAR-10 demo's encoder)";
        bool smallStem = small;
        reasons["SmallImageStem"] = small
            ? $"images of {side} px or less keep their resolution through a 3×3 stride-1 stem without max-pool (MoCo CIFAR-10 demo)"
            : $"images over {SmallImageSide} px use the ImageNet stem";

        int maxBatch = cuda ? CudaMaxBatchSize : CpuMaxBatchSize;
        int batch = 32;
        while (batch * 2 <= Math.Min(maxBatch, imageCount / 8)) batch *= 2;
        if (batch > imageCount) batch = Math.Max(MoCoDefaults.BatchNormSplits, imageCount / MoCoDefaults.BatchNormSplits * MoCoDefaults.BatchNormSplits);
        reasons["BatchSize"] = $"{imageCount} images on {device}: the largest power of two ≤ min({maxBatch}, N/8), so an epoch has at least 8 steps"
            + (cuda ? "" : " and a short CPU run gets more optimizer steps");

        int budget = cuda ? CudaImageBudget : CpuImageBudget;
        int unclamped = (int)Math.Ceiling(budget / (double)imageCount);
        int epochs = Math.Clamp(unclamped, 20, 200);
        string clamp = unclamped < 20 ? $", raised to the minimum of 20 ({(long)imageCount * epochs:N0} images seen)"
            : unclamped > 200 ? $", lowered to the maximum of 200 ({(long)imageCount * epochs:N0} images seen)" : "";
        reasons["Epochs"] = $"a budget of about {budget:N0} images seen on {device}: {budget:N0} / {imageCount} images = {unclamped} epochs{clamp}";

        double learningRate = cuda ? MoCoDefaults.BaseLearningRate : CpuBaseLearningRate;
        string rate = (learningRate * batch / 256).ToString("0.####", CultureInfo.InvariantCulture);
        reasons["BaseLearningRate"] = cuda
            ? $"MoCo's 0.03 per 256 images, i.e. {rate} for batches of {batch}"
            : $"0.06 per 256 images (twice MoCo's 0.03, for a short CPU run), i.e. {rate} for batches of {batch}";

        int queue = QueueSizing.Choose(4096, Math.Max(imageCount, batch), batch).Size;
        reasons["QueueSize"] = queue < 4096
            ? $"4,096 keys capped to one epoch's keys minus a batch ({queue}), so the queue holds few stale keys of the current images"
            : "4,096 keys (the MoCo CIFAR-10 demo's queue)";

        long steps = (long)(imageCount / batch) * epochs;
        double momentum = steps < FastMomentumSteps ? 0.99 : MoCoDefaults.EncoderMomentum;
        reasons["EncoderMomentum"] = steps < FastMomentumSteps
            ? $"{steps:N0} steps: 0.99 lets the key encoder follow a short run (0.999 averages ~1,000 steps)"
            : $"{steps:N0} steps: MoCo's 0.999";

        double cropMin = side >= 64 ? MoCoDefaults.CropScaleMin : side >= 24 ? 0.35 : 0.5;
        reasons["CropScale"] = side >= 64
            ? $"{size}: MoCo's crop area 0.2–1"
            : $"{size}: crop area {cropMin.ToString(CultureInfo.InvariantCulture)}–1, milder than MoCo's 0.2 so small crops keep the object";

        bool blur = side > 32;
        reasons["GaussianBlur"] = blur
            ? $"{size}: MoCo v2's blur (σ up to 2 px)"
            : $"{size}: no blur (a σ of up to 2 px erases most detail at this size; SimCLR leaves it out on 32×32)";

        reasons["HorizontalFlip"] = "on, as in every MoCo recipe (set HorizontalFlip = false for digits, text or other orientation-sensitive images)";
        if (shape.Channels == 1)
            reasons["Channels"] = "1 channel: colour jitter changes brightness and contrast only, and random grayscale is the identity";
        double? hue = shape.Channels == 3 ? ColourHueJitter : null;
        reasons["HueJitter"] = hue is null
            ? $"{shape.Channels} channel(s): hue has no effect; the preset's"
            : $"colour images: any hue ({ColourHueJitter.ToString(CultureInfo.InvariantCulture)}), so the two views of an image do not share its colours and the encoder must tell images apart by shape and texture (MoCo v2's 0.1 left a tinted Fashion-MNIST set behind raw pixels, README)";

        return new RecipeSettings(backbone, smallStem, epochs, batch, learningRate, queue, momentum, cropMin, 1.0, true, blur, reasons) { HueJitter = hue };
    }
}
