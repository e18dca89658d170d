using MlNetMoco.Core.Heads;
using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Data;
using MlNetMoco.Core.Devices;
using MlNetMoco.Core.Inference;
using MlNetMoco.Core.Methods;

namespace MlNetMoco.Core.Interop;

/// <summary>
/// A ready-to-use <see cref="TrainedEncoder"/> built from any weight file <see cref="StateDictImport"/> reads (e.g. the
/// released facebookresearch/moco ResNet-50 <c>moco_v2_800ep_pretrain.pth.tar</c>, a moco-v3 checkpoint, torchvision
/// weights), for featurizing without any training. The architecture comes from the file; the caller gives what the file
/// does not hold: the input shape and the normalisation the weights were trained with.
/// </summary>
public static class PretrainedEncoder
{
    /// <summary>Metadata key that records where the weights came from.</summary>
    public const string SourceKey = "imported_from";

    /// <summary>Metadata key that records what happened to the file's head.</summary>
    public const string HeadKey = "imported_head";

    /// <summary>
    /// Projection size of the fresh MoCo v2 head used when the file's head cannot be rebuilt here (none, a classifier of
    /// another shape, moco-v3's BatchNorm MLP): 128, as in MoCo. The pooled features do not depend on it.
    /// </summary>
    public const int FallbackProjectionDim = 128;

    /// <summary>
    /// Builds the encoder the file holds and loads its weights. A MoCo v1 linear head or v2 MLP head is loaded as the
    /// projection head; any other head is replaced by a freshly initialised MoCo v2 head of
    /// <see cref="FallbackProjectionDim"/> outputs (recorded in the description's metadata under <see cref="HeadKey"/>).
    /// </summary>
    /// <param name="path">The weight file.</param>
    /// <param name="inputShape">C×H×W of the images to encode; C must equal the weights' input channels.</param>
    /// <param name="normalization">Per-channel mean/std of the weights' training; null → <see cref="ImageNormalization.ImageNet"/> for 3 channels (facebookresearch/moco and torchvision use it), the mean of ImageNet's channel statistics (0.449, 0.226) on every channel otherwise.</param>
    /// <param name="device">Device request: "auto", "cpu", "cuda" or "cuda:N". Default "auto".</param>
    /// <param name="prefix">The encoder's key prefix; null detects it (see <see cref="StateDictImport.Read"/>).</param>
    /// <exception cref="ArgumentException">The input shape's channels differ from the weights' (or the shape or normalisation is invalid).</exception>
    /// <exception cref="InvalidDataException">The file cannot be imported (see <see cref="StateDictImport.Read"/>).</exception>
    public static TrainedEncoder Create(string path, ImageShape inputShape, ImageNormalization? normalization = null,
        string device = DeviceSelector.Auto, string? prefix = null)
    {
        using var weights = StateDictImport.Read(path, prefix);
        var architecture = weights.Architecture;
        if (inputShape.Channels != architecture.InChannels)
            throw new ArgumentException(
                $"The input shape {inputShape} has {inputShape.Channels} channel(s), but the weights in '{path}' take {architecture.InChannels}.", nameof(inputShape));
        if (architecture.ImageSize > 0 && (inputShape.Height != architecture.ImageSize || inputShape.Width != architecture.ImageSize))
            throw new ArgumentException(
                $"The input shape {inputShape} does not fit the weights in '{path}': they hold a {architecture.Trunk}, which takes {architecture.ImageSize}×{architecture.ImageSize} images.",
                nameof(inputShape));
        var norm = normalization ?? (inputShape.Channels == 3 ? ImageNormalization.ImageNet
            : new ImageNormalization(Enumerable.Repeat(0.449f, inputShape.Channels).ToArray(), Enumerable.Repeat(0.226f, inputShape.Channels).ToArray()));
        var fileHead = architecture.Head;
        (HeadSpec head, bool load) = fileHead.Shape switch
        {
            HeadShape.Linear => (HeadSpec.ForVersion(MoCoVersion.V1, architecture.FeatureDim, fileHead.OutputDim), true),
            HeadShape.Mlp when fileHead.HiddenDim == architecture.FeatureDim => (HeadSpec.ForVersion(MoCoVersion.V2, architecture.FeatureDim, fileHead.OutputDim), true),
            _ => (HeadSpec.ForVersion(MoCoVersion.V2, architecture.FeatureDim, FallbackProjectionDim), false),
        };
        // The file's own metadata (e.g. a checkpoint's epoch and arch) is kept, except this library's format keys.
        var metadata = weights.Tensors.Metadata.Where(kv => !kv.Key.StartsWith("mlnetmoco.", StringComparison.Ordinal) && kv.Key != "format")
            .ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        metadata[SourceKey] = $"{Path.GetFileName(path)} ({weights.Format}, encoder under '{weights.Prefix}')";
        metadata[HeadKey] = load ? $"loaded {fileHead}" : $"not imported (the file has {fileHead}); a fresh MoCo v2 head of {FallbackProjectionDim} outputs";
        var description = new EncoderDescription(architecture.ToSpec(), head, inputShape, norm) { Metadata = metadata };
        var encoder = TrainedEncoder.Create(description, device);
        try
        {
            weights.ApplyTo(encoder.Network, load ? HeadPolicy.Require : HeadPolicy.Drop);
            encoder.Network.eval();
            return encoder;
        }
        catch
        {
            encoder.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Initialises <paramref name="backbone"/> (e.g. the query encoder before MoCo pretraining continues, or the network
    /// of supervised fine-tuning) from the file at <paramref name="path"/>: the trunk strictly, the head per
    /// <paramref name="head"/>. Every check runs before any weight is copied.
    /// </summary>
    /// <param name="backbone">The network to initialise.</param>
    /// <param name="path">The weight file.</param>
    /// <param name="head">What to do with the file's head. Default <see cref="HeadPolicy.LoadIfMatching"/>.</param>
    /// <param name="prefix">The encoder's key prefix; null detects it.</param>
    /// <returns>What was loaded.</returns>
    public static WeightImportReport Initialize(Backbone backbone, string path, HeadPolicy head = HeadPolicy.LoadIfMatching, string? prefix = null)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        using var weights = StateDictImport.Read(path, prefix);
        return weights.ApplyTo(backbone, head);
    }
}
