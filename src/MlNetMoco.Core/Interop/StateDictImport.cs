using static TorchSharp.torch;

namespace MlNetMoco.Core.Interop;

/// <summary>
/// Reads the encoder weights of a file as a starting point for pretraining, fine-tuning or featurizing. Formats
/// (<see cref="WeightFileFormat"/>): safetensors; PyTorch <c>torch.save</c> files, zip or legacy (facebookresearch/moco
/// and moco-v3 checkpoints <c>*.pth.tar</c>, which hold <c>epoch</c>, <c>arch</c>, <c>state_dict</c>, <c>optimizer</c>;
/// torchvision state dicts <c>*.pth</c>); MlNetMoco encoder files and checkpoints. Layouts (<see cref="StateDictLayout"/>):
/// <c>module.encoder_q.*</c> (MoCo v1/v2), <c>module.base_encoder.*</c> (MoCo v3), bare torchvision or timm (ViT) names,
/// each with or without DistributedDataParallel's <c>module.</c>; or any prefix the caller names.
/// </summary>
/// <remarks>
/// PyTorch files are read without PyTorch and without running any code they name (like <c>torch.load(...,
/// weights_only=True)</c>); only the encoder's tensors are read into memory. Everything is checked before weights are
/// returned: a corrupt or truncated file, a pickle that is not a checkpoint, or an unrecognised encoder gives an
/// <see cref="InvalidDataException"/> that names the file, the key and what was expected.
/// </remarks>
public static class StateDictImport
{
    private static readonly (string Prefix, StateDictLayout Layout)[] KnownPrefixes =
    [
        ("module.encoder_q.", StateDictLayout.MoCo),
        ("encoder_q.", StateDictLayout.MoCo),
        ("module.base_encoder.", StateDictLayout.MoCoV3),
        ("base_encoder.", StateDictLayout.MoCoV3),
    ];

    /// <summary>Reads the encoder of the file at <paramref name="path"/> onto the CPU.</summary>
    /// <param name="path">A safetensors, PyTorch or MlNetMoco file.</param>
    /// <param name="prefix">
    /// The key prefix of the encoder to take, e.g. <c>module.encoder_k.</c> for MoCo's key encoder; null (default) detects
    /// it (<c>module.encoder_q.</c>, <c>encoder_q.</c>, <c>module.base_encoder.</c>, <c>base_encoder.</c>, <c>module.</c> or none).
    /// </param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is corrupt, truncated, of an unknown format, holds no state dict, or no supported encoder.</exception>
    public static ImportedWeights Read(string path, string? prefix = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"Weight file '{path}' does not exist.", path);
        string source = $"The weight file '{path}'";
        using var contents = WeightFileContents.Open(path, source);
        var (layout, chosen) = DetectLayout(contents.Names, prefix, source);
        var tensors = contents.Load(n => n.StartsWith(chosen, StringComparison.Ordinal))
            .Select(t => (t.Name[chosen.Length..], t.Tensor)).ToList();
        return Build(path, contents.Format, layout, chosen, tensors, contents.Metadata, contents.Names, source);
    }

    /// <summary>
    /// Reads every tensor of the file's state dict under its full name (e.g. <c>module.encoder_q.conv1.weight</c>,
    /// <c>module.queue</c>), with the file's metadata, without looking for an encoder: for inspecting or converting files.
    /// </summary>
    /// <param name="path">A safetensors, PyTorch or MlNetMoco file.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is corrupt, truncated, of an unknown format, or holds no state dict.</exception>
    public static TensorSet ReadAll(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"Weight file '{path}' does not exist.", path);
        using var contents = WeightFileContents.Open(path, $"The weight file '{path}'");
        return new TensorSet(contents.Load(_ => true), contents.Metadata);
    }

    /// <summary>The container format of the file at <paramref name="path"/>, from its first bytes.</summary>
    /// <param name="path">Any file.</param>
    /// <param name="source">Subject of error messages.</param>
    /// <exception cref="InvalidDataException">The file is empty or of no supported format.</exception>
    public static WeightFileFormat DetectFormat(string path, string source)
    {
        Span<byte> head = stackalloc byte[16];
        int n;
        using (var file = File.OpenRead(path)) n = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        head = head[..n];
        if (head.StartsWith("PK\u0003\u0004"u8)) return WeightFileFormat.TorchZip;
        if (head.StartsWith("MLNETMOCO-ENC"u8)) return WeightFileFormat.MlNetMocoEncoder;
        if (head.Length > 1 && head[1..].StartsWith("MLNETMOCO-CKPT"u8)) return WeightFileFormat.MlNetMocoCheckpoint;
        if (SafeTensorsHeader.LooksLike(head)) return WeightFileFormat.SafeTensors;
        if (n > 0 && head[0] == 0x80) return WeightFileFormat.TorchLegacy; // pickle PROTO opcode
        throw new InvalidDataException(n == 0
            ? $"{source} is empty."
            : $"{source} is of no format this library reads: expected safetensors, a PyTorch torch.save file (zip or legacy pickle) or an MlNetMoco file; it starts with bytes {Convert.ToHexString(head[..Math.Min(n, 8)])}.");
    }

    private static ImportedWeights Build(string path, WeightFileFormat format, StateDictLayout layout, string prefix,
        List<(string, Tensor)> tensors, Dictionary<string, string> metadata, IReadOnlyList<string> allNames, string source)
    {
        var set = new TensorSet(tensors, metadata);
        try
        {
            var architecture = ArchitectureDetector.Detect(set.Tensors.Select(t => (t.Name, t.Tensor.shape)), $"{source} (encoder under '{prefix}')");
            var ignored = Summarize(allNames.Where(n => !n.StartsWith(prefix, StringComparison.Ordinal)));
            return new ImportedWeights(path, format, layout, prefix, set, architecture, ignored);
        }
        catch
        {
            set.Dispose();
            throw;
        }
    }

    /// <summary>The layout and prefix of the encoder among <paramref name="names"/>.</summary>
    internal static (StateDictLayout Layout, string Prefix) DetectLayout(IReadOnlyCollection<string> names, string? requested, string source)
    {
        if (requested is not null)
        {
            if (!names.Any(n => n.StartsWith(requested, StringComparison.Ordinal) && n.Length > requested.Length))
                throw new InvalidDataException($"{source} has no tensor under the requested prefix '{requested}'; its keys are {string.Join(", ", Summarize(names))}.");
            return (StateDictLayout.Custom, requested);
        }
        foreach (var (prefix, layout) in KnownPrefixes)
            if (names.Any(n => n.StartsWith(prefix, StringComparison.Ordinal))) return (layout, prefix);
        string[] encoderKeys = ["conv1.weight", "layer1.conv.weight", "patch_embed.proj.weight"];
        if (encoderKeys.Any(names.Contains)) return (StateDictLayout.Encoder, "");
        if (encoderKeys.Any(k => names.Contains("module." + k))) return (StateDictLayout.Encoder, "module.");
        throw new InvalidDataException(
            $"{source} holds no encoder this importer recognises: expected keys under 'module.encoder_q.' (facebookresearch/moco), " +
            $"'module.base_encoder.' (moco-v3), torchvision names such as 'conv1.weight' or timm ViT names such as 'patch_embed.proj.weight'; its keys are {string.Join(", ", Summarize(names))}. " +
            "Name the prefix of the encoder to import it anyway.");
    }

    /// <summary>Groups names by their top module (under DistributedDataParallel's <c>module.</c>), e.g. "'module.encoder_k.*' (124 tensors)".</summary>
    internal static List<string> Summarize(IEnumerable<string> names) =>
        names.GroupBy(Group, StringComparer.Ordinal)
            .Select(g => g.Count() == 1 && !g.Key.EndsWith('*') ? $"'{g.Key}'" : $"'{g.Key}' ({g.Count()} tensors)")
            .ToList();

    private static string Group(string name)
    {
        var parts = name.Split('.');
        if (parts[0] == "module" && parts.Length > 2) return $"module.{parts[1]}.*";
        return parts.Length > 1 && parts[0] != "module" ? $"{parts[0]}.*" : name;
    }
}
