using System.Globalization;
using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Checkpoints;

namespace MlNetMoco.Core.Interop;

/// <summary>
/// Recognises the encoder architecture of a state dict (names without prefix) from its key names and shapes:
/// torchvision ResNet-18/34/50 (block counts per stage, BasicBlock or Bottleneck, 7×7 or 3×3 stem, input channels),
/// MlNetMoco's SmallConvNet, ViT-Tiny/Small with timm's names (<see cref="VisionTransformerDetector"/>), and the head
/// (<c>fc</c>; timm's <c>head</c> on a ViT). Other networks (ResNet-101/152, wide ResNets, ViT-Base and larger) are
/// refused with a message that says what was found.
/// </summary>
public static class ArchitectureDetector
{
    private static readonly (bool Bottleneck, int[] Blocks, BackboneKind? Kind, string Name)[] ResNets =
    [
        (false, [2, 2, 2, 2], BackboneKind.ResNet18, "ResNet-18"),
        (false, [3, 4, 6, 3], BackboneKind.ResNet34, "ResNet-34"),
        (true, [3, 4, 6, 3], BackboneKind.ResNet50, "ResNet-50"),
        (true, [3, 4, 23, 3], null, "ResNet-101"),
        (true, [3, 8, 36, 3], null, "ResNet-152"),
    ];

    /// <summary>Detects the architecture of <paramref name="tensors"/> (encoder names, e.g. <c>conv1.weight</c>).</summary>
    /// <param name="tensors">Names and shapes.</param>
    /// <param name="source">Subject of error messages, e.g. "The checkpoint 'a.pth.tar'".</param>
    /// <exception cref="InvalidDataException">The tensors are not a supported encoder; the message says what they look like.</exception>
    public static DetectedArchitecture Detect(IEnumerable<(string Name, long[] Shape)> tensors, string source)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal);
        foreach (var (name, shape) in tensors) shapes[name] = shape;
        if (shapes.Count == 0) throw new InvalidDataException($"{source} holds no encoder tensors.");
        if (VisionTransformerDetector.LooksLikeVit(shapes.Keys))
            return VisionTransformerDetector.Detect(shapes, source, (s, _, dim) => DetectHead(s, dim, VitHeadPrefix(s.Keys)));

        if (shapes.TryGetValue("layer1.conv.weight", out var small))
        {
            int inChannels = Dim(small, 1, "layer1.conv.weight", source);
            return new DetectedArchitecture(BackboneKind.SmallConvNet, inChannels, false, SmallConvNet.OutputFeatureDim, DetectHead(shapes, SmallConvNet.OutputFeatureDim));
        }
        if (!shapes.TryGetValue("conv1.weight", out var stem))
            throw new InvalidDataException(
                $"{source} holds no recognisable encoder: expected torchvision ResNet names ('conv1.weight', 'layer1.0.conv1.weight', …) " +
                $"or SmallConvNet names ('layer1.conv.weight'); its first names are {Sample(shapes.Keys)}.");
        return DetectResNet(shapes, stem, source);
    }

    private static DetectedArchitecture DetectResNet(Dictionary<string, long[]> shapes, long[] stem, string source)
    {
        if (stem.Length != 4) throw new InvalidDataException($"{source} has 'conv1.weight' of shape {StateDictMatch.Format(stem)}; a ResNet stem convolution is 4-D [64, C, k, k].");
        if (stem[0] != 64)
            throw new InvalidDataException($"{source} has a stem 'conv1.weight' with {stem[0]} output channels; torchvision ResNets have 64 (other widths are not supported).");
        bool smallStem = stem[2] switch
        {
            7 => false,
            3 => true,
            _ => throw new InvalidDataException($"{source} has a {stem[2]}×{stem[3]} stem convolution 'conv1.weight'; expected 7×7 (ImageNet stem) or 3×3 (small-image stem)."),
        };
        bool bottleneck = shapes.ContainsKey("layer1.0.conv3.weight");
        var blocks = new int[4];
        for (int stage = 0; stage < 4; stage++) blocks[stage] = CountIndexed(shapes.Keys, $"layer{stage + 1}.");
        var match = ResNets.FirstOrDefault(r => r.Bottleneck == bottleneck && r.Blocks.SequenceEqual(blocks));
        string found = $"{(bottleneck ? "Bottleneck" : "BasicBlock")} stages of [{string.Join(", ", blocks)}] blocks";
        if (match.Name is null)
            throw new InvalidDataException($"{source} holds a ResNet with {found}, which is none of ResNet-18/34/50.");
        if (match.Kind is not { } kind)
            throw new InvalidDataException($"{source} holds a {match.Name} ({found}); supported encoders are ResNet-18/34/50 and SmallConvNet.");
        if (shapes.TryGetValue("layer1.0.conv1.weight", out var first) && first.Length == 4 && first[0] != 64)
            throw new InvalidDataException(
                $"{source} holds a {match.Name} whose blocks are {first[0]} channels wide ('layer1.0.conv1.weight' {StateDictMatch.Format(first)}); wide ResNets are not supported.");
        int featureDim = ResNet.FeatureDimOf(kind switch { BackboneKind.ResNet18 => 18, BackboneKind.ResNet34 => 34, _ => 50 });
        return new DetectedArchitecture(kind, Dim(stem, 1, "conv1.weight", source), smallStem, featureDim, DetectHead(shapes, featureDim));
    }

    /// <summary>The head prefix of a ViT state dict: timm's <c>head.</c> when it has one, else ours, <c>fc.</c>.</summary>
    internal static string VitHeadPrefix(IEnumerable<string> names) =>
        names.Any(n => n.StartsWith(VisionTransformerDetector.TimmHead, StringComparison.Ordinal)) ? VisionTransformerDetector.TimmHead : HeadPrefix;

    /// <summary>The head prefix of the networks built here: <c>fc.</c>.</summary>
    internal const string HeadPrefix = "fc.";

    private static DetectedHead DetectHead(IReadOnlyDictionary<string, long[]> shapes, int featureDim, string prefix = HeadPrefix)
    {
        var head = shapes.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value, StringComparer.Ordinal);
        if (head.Count == 0) return DetectedHead.None;
        if (head.Count == 2 && head.TryGetValue("weight", out var w) && head.TryGetValue("bias", out var b)
            && w.Length == 2 && w[1] == featureDim && b.Length == 1 && b[0] == w[0])
            return new DetectedHead(HeadShape.Linear, 0, (int)w[0], 2);
        if (head.Count == 4 && head.TryGetValue("0.weight", out var w0) && head.TryGetValue("0.bias", out var b0)
            && head.TryGetValue("2.weight", out var w2) && head.TryGetValue("2.bias", out var b2)
            && w0.Length == 2 && w0[1] == featureDim && b0.Length == 1 && b0[0] == w0[0]
            && w2.Length == 2 && w2[1] == w0[0] && b2.Length == 1 && b2[0] == w2[0])
            return new DetectedHead(HeadShape.Mlp, (int)w0[0], (int)w2[0], 4);
        return new DetectedHead(HeadShape.Other, 0, 0, head.Count);
    }

    /// <summary>The number of distinct indices i among names <c>{prefix}{i}.*</c> (e.g. the blocks of <c>layer1.</c> or <c>blocks.</c>).</summary>
    internal static int CountIndexed(IEnumerable<string> names, string prefix)
    {
        var indices = new HashSet<int>();
        foreach (string name in names)
        {
            if (!name.StartsWith(prefix, StringComparison.Ordinal)) continue;
            int dot = name.IndexOf('.', prefix.Length);
            if (dot > prefix.Length && int.TryParse(name.AsSpan(prefix.Length, dot - prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out int i))
                indices.Add(i);
        }
        return indices.Count;
    }

    private static int Dim(long[] shape, int index, string name, string source) =>
        shape.Length > index && shape[index] is > 0 and <= int.MaxValue
            ? (int)shape[index]
            : throw new InvalidDataException($"{source} has '{name}' of shape {StateDictMatch.Format(shape)}, which is not a convolution weight.");

    internal static string Sample(IEnumerable<string> names)
    {
        var list = names.Take(6).Select(n => $"'{n}'").ToList();
        return list.Count == 0 ? "(none)" : string.Join(", ", list) + (names.Skip(6).Any() ? ", …" : "");
    }
}
