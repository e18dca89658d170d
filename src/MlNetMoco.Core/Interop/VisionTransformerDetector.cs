using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Checkpoints;

namespace MlNetMoco.Core.Interop;

/// <summary>
/// Recognises a Vision Transformer state dict with timm's names (moco-v3's <c>vits.py</c>, timm's
/// <c>VisionTransformer</c>): the width and input channels from <c>patch_embed.proj.weight</c> [D, C, p, p], the patch
/// side p from it, the image side from <c>pos_embed</c> [1, 1 + (S/p)², D], the depth from <c>blocks.{i}.*</c>. ViT-Tiny
/// (D = 192) and ViT-Small (D = 384) of depth 12 are supported. The head is <c>head.*</c> (timm) or <c>fc.*</c> (ours).
/// </summary>
/// <remarks>
/// The number of attention heads is not stored in the weights: a ViT-Small is built with moco-v3's 12 heads, so a
/// timm ViT-S/16 (6 heads) would load without error and compute other features. The importer's reports say so.
/// </remarks>
internal static class VisionTransformerDetector
{
    /// <summary>The head prefix of timm's ViTs (ours is <c>fc.</c>).</summary>
    public const string TimmHead = "head.";

    /// <summary>Whether the names look like a ViT (a class token, a position embedding or a patch embedding).</summary>
    public static bool LooksLikeVit(IEnumerable<string> names) =>
        names.Any(k => k is "cls_token" or "pos_embed" || k.StartsWith("patch_embed.", StringComparison.Ordinal));

    /// <summary>Detects ViT-Tiny or ViT-Small, with its patch and image sides.</summary>
    /// <exception cref="InvalidDataException">A tensor is missing or of an unexpected shape, or the width or depth is not ViT-Tiny's or ViT-Small's.</exception>
    public static DetectedArchitecture Detect(IReadOnlyDictionary<string, long[]> shapes, string source,
        Func<IReadOnlyDictionary<string, long[]>, string, int, DetectedHead> detectHead)
    {
        var proj = Require(shapes, "patch_embed.proj.weight", 4, source, "[D, C, p, p]");
        if (proj[2] != proj[3])
            throw new InvalidDataException($"{source} has a {proj[2]}×{proj[3]} patch projection 'patch_embed.proj.weight'; square patches are expected.");
        int width = (int)proj[0], channels = (int)proj[1], patch = (int)proj[2];
        var cls = Require(shapes, "cls_token", 3, source, $"[1, 1, {width}]");
        if (cls[0] != 1 || cls[1] != 1 || cls[2] != width)
            throw new InvalidDataException($"{source} has 'cls_token' of shape {StateDictMatch.Format(cls)}; expected [1, 1, {width}].");
        var pos = Require(shapes, "pos_embed", 3, source, $"[1, 1 + P, {width}]");
        long patches = pos[1] - 1;
        int grid = (int)Math.Round(Math.Sqrt(Math.Max(patches, 0)));
        if (pos[0] != 1 || pos[2] != width || patches < 1 || (long)grid * grid != patches)
            throw new InvalidDataException(
                $"{source} has 'pos_embed' of shape {StateDictMatch.Format(pos)}; expected [1, 1 + g², {width}] (a class token and a square grid of patches).");

        int depth = ArchitectureDetector.CountIndexed(shapes.Keys, "blocks.");
        var kind = width switch
        {
            VisionTransformer.TinyEmbedDim => BackboneKind.VitTiny,
            VisionTransformer.SmallEmbedDim => BackboneKind.VitSmall,
            _ => throw new InvalidDataException(
                $"{source} holds a Vision Transformer of width {width} ({Describe(width)}); supported are ViT-Tiny (192) and ViT-Small (384)."),
        };
        if (depth != VisionTransformer.StandardDepth)
            throw new InvalidDataException(
                $"{source} holds a Vision Transformer of width {width} with {depth} blocks; ViT-Tiny and ViT-Small have {VisionTransformer.StandardDepth}.");
        return new DetectedArchitecture(kind, channels, false, width, detectHead(shapes, source, width))
        {
            PatchSize = patch,
            ImageSize = grid * patch,
        };
    }

    private static long[] Require(IReadOnlyDictionary<string, long[]> shapes, string name, int rank, string source, string expected) =>
        shapes.TryGetValue(name, out var shape) && shape.Length == rank && shape.All(d => d > 0 && d <= int.MaxValue)
            ? shape
            : throw new InvalidDataException(shape is null
                ? $"{source} looks like a Vision Transformer but lacks '{name}' {expected}."
                : $"{source} has '{name}' of shape {StateDictMatch.Format(shape)}; expected {expected}.");

    private static string Describe(int width) => width switch
    {
        768 => "ViT-Base",
        1024 => "ViT-Large",
        1280 => "ViT-Huge",
        _ => "not a standard ViT",
    };
}
