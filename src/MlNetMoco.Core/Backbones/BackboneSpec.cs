using System.Text.Json.Serialization;
using MlNetMoco.Core.Data;

namespace MlNetMoco.Core.Backbones;

/// <summary>
/// Describes an encoder architecture; <see cref="BackboneFactory"/> builds it. Every value is validated on
/// construction and in <c>with</c> expressions, with an <see cref="ArgumentException"/> that names the setting.
/// </summary>
/// <param name="Kind">The architecture.</param>
/// <param name="InChannels">Number of input channels: 1 for grayscale, 3 for RGB, any ≥ 1. Default 3.</param>
/// <param name="SmallImageStem">
/// ResNets only: a 3×3 stride-1 first convolution and no max-pool, for small images such as 32×32 (the MoCo CIFAR
/// demo); false keeps the ImageNet stem (7×7 stride-2 convolution and 3×3 stride-2 max-pool). The SmallConvNet and
/// the ViTs ignore it. Default false.
/// </param>
/// <param name="BatchNormSplits">
/// Number of sub-batches whose statistics BatchNorm uses in training mode: 1 behaves exactly as BatchNorm2d, more
/// gives <see cref="Normalization.SplitBatchNorm2d"/>'s per-split statistics (Shuffle-BN on one device; training batches must then be a
/// multiple of it). The ViTs have no BatchNorm (LayerNorm) and ignore it. Default 1.
/// </param>
/// <param name="PatchSize">
/// ViTs only: the side of the square patches (the patch projection's kernel and stride); 0 = auto,
/// <see cref="ForImages"/> then takes 4 for images under 128 px a side and 16 (the paper's) otherwise. Must divide
/// <paramref name="ImageSize"/>. Default 0.
/// </param>
/// <param name="ImageSize">
/// ViTs only: the side of the square images the network takes (it sizes the position embedding); 0 = auto,
/// <see cref="ForImages"/> then takes the training images' side. Default 0.
/// </param>
/// <remarks>
/// <see cref="PatchSize"/> and <see cref="ImageSize"/> are left out of the JSON form while 0, so that the specs of
/// convolutional backbones serialise as before they existed and files written earlier read unchanged.
/// </remarks>
public sealed record BackboneSpec(BackboneKind Kind, int InChannels = 3, bool SmallImageStem = false, int BatchNormSplits = 1, int PatchSize = 0, int ImageSize = 0)
{
    /// <summary>The automatic patch size for images under <see cref="LargeImageSide"/> px a side: 4.</summary>
    public const int SmallImagePatchSize = 4;

    /// <summary>The automatic patch size from <see cref="LargeImageSide"/> px a side on: 16 (the paper's ViTs on 224×224 ImageNet crops).</summary>
    public const int LargeImagePatchSize = 16;

    /// <summary>The image side from which the automatic patch size is <see cref="LargeImagePatchSize"/>: 128 px.</summary>
    public const int LargeImageSide = 128;

    /// <summary>The architecture.</summary>
    public BackboneKind Kind { get; init => field = CheckKind(value); } = CheckKind(Kind);

    /// <summary>Number of input channels (≥ 1).</summary>
    public int InChannels { get; init => field = CheckInChannels(value); } = CheckInChannels(InChannels);

    /// <summary>ResNets only: 3×3 stride-1 stem without max-pool, for small images.</summary>
    public bool SmallImageStem { get; init; } = SmallImageStem;

    /// <summary>Number of BatchNorm sub-batches in training mode (≥ 1; 1 = plain BatchNorm2d).</summary>
    public int BatchNormSplits { get; init => field = CheckSplits(value); } = CheckSplits(BatchNormSplits);

    /// <summary>ViTs only: the patch side (≥ 0; 0 = auto, resolved by <see cref="ForImages"/>).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int PatchSize { get; init => field = CheckNonNegative(value, nameof(PatchSize), "0 (auto) or a patch side in pixels"); }
        = CheckNonNegative(PatchSize, nameof(PatchSize), "0 (auto) or a patch side in pixels");

    /// <summary>ViTs only: the image side (≥ 0; 0 = auto, resolved by <see cref="ForImages"/>).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int ImageSize { get; init => field = CheckNonNegative(value, nameof(ImageSize), "0 (auto) or an image side in pixels"); }
        = CheckNonNegative(ImageSize, nameof(ImageSize), "0 (auto) or an image side in pixels");

    /// <summary>Whether <see cref="Kind"/> is a Vision Transformer (<see cref="BackboneKind.VitTiny"/>, <see cref="BackboneKind.VitSmall"/>).</summary>
    [JsonIgnore]
    public bool IsVisionTransformer => IsVit(Kind);

    /// <summary>Whether <paramref name="kind"/> is a Vision Transformer.</summary>
    /// <param name="kind">The architecture.</param>
    public static bool IsVit(BackboneKind kind) => kind is BackboneKind.VitTiny or BackboneKind.VitSmall;

    /// <summary>The automatic patch size for images of side <paramref name="side"/>: 4 under 128 px, else 16.</summary>
    /// <param name="side">The image side in pixels.</param>
    public static int AutoPatchSize(int side) => side < LargeImageSide ? SmallImagePatchSize : LargeImagePatchSize;

    /// <summary>
    /// This spec for images of <paramref name="shape"/>, with the automatic values filled in and checked: for a ViT,
    /// <see cref="ImageSize"/> 0 becomes the images' side and <see cref="PatchSize"/> 0 becomes
    /// <see cref="AutoPatchSize"/>; the images must be square, of side <see cref="ImageSize"/>, and the patch must divide
    /// it. Convolutional backbones take any size and are returned unchanged (their <see cref="PatchSize"/> and
    /// <see cref="ImageSize"/> must be 0).
    /// </summary>
    /// <param name="shape">The images' shape C×H×W.</param>
    /// <returns>The resolved spec (equal to this one when nothing was automatic).</returns>
    /// <exception cref="ArgumentException">A setting does not fit the images; the message names it.</exception>
    public BackboneSpec ForImages(ImageShape shape)
    {
        if (!IsVisionTransformer)
        {
            if (PatchSize != 0)
                throw new ArgumentException($"PatchSize = {PatchSize} is not valid for a {Kind} backbone: patches apply to ViT backbones only (expected 0).", nameof(PatchSize));
            if (ImageSize != 0)
                throw new ArgumentException($"ImageSize = {ImageSize} is not valid for a {Kind} backbone: it applies to ViT backbones only (expected 0).", nameof(ImageSize));
            return this;
        }
        if (shape.Height != shape.Width)
            throw new ArgumentException(
                $"ImageSize: a {Kind} backbone takes square images, but the images are {shape.Height}×{shape.Width} (resize or crop them to a square).", nameof(ImageSize));
        int side = ImageSize == 0 ? shape.Height : ImageSize;
        if (side != shape.Height)
            throw new ArgumentException($"ImageSize = {ImageSize} is not valid: the images are {shape.Height}×{shape.Width} (expected 0 or {shape.Height}).", nameof(ImageSize));
        var resolved = this with { ImageSize = side, PatchSize = PatchSize == 0 ? AutoPatchSize(side) : PatchSize };
        resolved.CheckVitSizes();
        return resolved;
    }

    /// <summary>
    /// Throws unless this ViT spec has resolved sizes (<see cref="ImageSize"/> and <see cref="PatchSize"/> positive,
    /// the patch dividing the side).
    /// </summary>
    /// <exception cref="ArgumentException">A size is missing or the patch does not divide the image side; the message names the setting.</exception>
    internal void CheckVitSizes()
    {
        if (ImageSize == 0)
            throw new ArgumentException($"ImageSize = 0: a {Kind} backbone needs the image side; resolve the spec with ForImages(shape) or set it.", nameof(ImageSize));
        if (PatchSize == 0)
            throw new ArgumentException($"PatchSize = 0: a {Kind} backbone needs the patch side; resolve the spec with ForImages(shape) or set it.", nameof(PatchSize));
        if (PatchSize > ImageSize || ImageSize % PatchSize != 0)
            throw new ArgumentException(
                $"PatchSize = {PatchSize} is not valid: it must divide the image side {ImageSize} (e.g. {string.Join(", ", Divisors(ImageSize))}).", nameof(PatchSize));
    }

    private static IEnumerable<int> Divisors(int side) => Enumerable.Range(1, Math.Min(side, 32)).Where(d => side % d == 0);

    private static BackboneKind CheckKind(BackboneKind kind) =>
        Enum.IsDefined(kind)
            ? kind
            : throw new ArgumentException(
                $"Backbone kind {(int)kind} is not valid: expected one of {string.Join(", ", Enum.GetNames<BackboneKind>())}.", nameof(Kind));

    private static int CheckInChannels(int inChannels) =>
        inChannels >= 1
            ? inChannels
            : throw new ArgumentException($"InChannels = {inChannels} is not valid: a backbone needs at least 1 input channel (1 grayscale, 3 RGB).", nameof(InChannels));

    private static int CheckSplits(int splits) =>
        splits >= 1
            ? splits
            : throw new ArgumentException($"BatchNormSplits = {splits} is not valid: expected at least 1 (1 = plain BatchNorm).", nameof(BatchNormSplits));

    private static int CheckNonNegative(int value, string name, string expected) =>
        value >= 0
            ? value
            : throw new ArgumentException($"{name} = {value} is not valid: expected {expected}.", name);
}
