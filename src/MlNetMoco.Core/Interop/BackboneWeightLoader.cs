using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Checkpoints;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Interop;

/// <summary>
/// Copies imported weights into a backbone after checking all of them: architecture first (so a ResNet-18 file given
/// to a ResNet-50 says so in one sentence), then each trunk key and shape, then the head as the policy asks. A ViT
/// file's head under timm's name <c>head.*</c> stands for the model's <c>fc.*</c>.
/// </summary>
internal static class BackboneWeightLoader
{
    private const string Head = ArchitectureDetector.HeadPrefix;
    private const string BatchCounter = ".num_batches_tracked";

    public static WeightImportReport Apply(Backbone backbone, ImportedWeights weights, HeadPolicy policy)
    {
        if (!Enum.IsDefined(policy)) throw new ArgumentOutOfRangeException(nameof(policy), policy, "Unknown head policy.");
        var expected = backbone.state_dict();
        var model = ArchitectureDetector.Detect(expected.Select(kv => (kv.Key, kv.Value.shape)), "The model");
        var file = weights.Architecture;
        string source = weights.Description;
        if (!model.SameTrunk(file))
            throw new InvalidDataException($"{source} holds a {file.Trunk}, but the model is a {model.Trunk}.");

        var copies = new List<(Tensor From, Tensor To)>();
        var given = new HashSet<string>(StringComparer.Ordinal);
        var headGiven = new List<(string FileName, string Name, Tensor Tensor)>();
        string fileHead = BackboneSpec.IsVit(file.Kind) ? ArchitectureDetector.VitHeadPrefix(weights.Tensors.Tensors.Select(t => t.Name)) : Head;
        foreach (var (name, tensor) in weights.Tensors.Tensors)
        {
            given.Add(name);
            if (name.StartsWith(fileHead, StringComparison.Ordinal)) { headGiven.Add((name, Head + name[fileHead.Length..], tensor)); continue; }
            if (!expected.TryGetValue(name, out var destination))
                throw new InvalidDataException($"{source} has tensor '{weights.Prefix}{name}', which a {model.Trunk} does not have (unexpected key).");
            if (!tensor.shape.SequenceEqual(destination.shape))
                throw new InvalidDataException(
                    $"{source} has tensor '{weights.Prefix}{name}' of shape {StateDictMatch.Format(tensor.shape)}; the model's {model.Kind} expects {StateDictMatch.Format(destination.shape)}.");
            copies.Add((tensor, destination));
        }
        var defaulted = new List<string>();
        foreach (var (name, tensor) in expected)
        {
            if (name.StartsWith(Head, StringComparison.Ordinal) || given.Contains(name)) continue;
            if (name.EndsWith(BatchCounter, StringComparison.Ordinal)) { defaulted.Add(name); continue; }
            throw new InvalidDataException(
                $"{source} lacks tensor '{weights.Prefix}{name}' (shape {StateDictMatch.Format(tensor.shape)}), which a {model.Trunk} needs (missing key).");
        }
        int trunk = copies.Count;

        string? headProblem = HeadMismatch(expected, headGiven, weights.Prefix);
        bool loadHead = policy switch
        {
            HeadPolicy.Drop => false,
            HeadPolicy.LoadIfMatching => headProblem is null,
            _ => headProblem is null ? true : throw new InvalidDataException(
                $"{source} has {file.Head}, the model has {model.Head}: {headProblem}."),
        };
        if (loadHead)
            foreach (var (_, name, tensor) in headGiven) copies.Add((tensor, expected[name]));

        using (no_grad())
            foreach (var (from, to) in copies) to.copy_(from);

        string note = policy == HeadPolicy.Drop
            ? $"kept the model's head (the file has {file.Head})"
            : loadHead ? $"loaded {file.Head}" : $"kept the model's head: {headProblem}";
        return new WeightImportReport(trunk, loadHead, note, defaulted);
    }

    /// <summary>The first difference between the model's head tensors and the file's, or null when names and shapes agree.</summary>
    private static string? HeadMismatch(IReadOnlyDictionary<string, Tensor> expected, List<(string FileName, string Name, Tensor Tensor)> given, string prefix)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (fileName, name, tensor) in given)
        {
            names.Add(name);
            if (!expected.TryGetValue(name, out var destination)) return $"the file's '{prefix}{fileName}' has no place in the model's head";
            if (!tensor.shape.SequenceEqual(destination.shape))
                return $"the file's '{prefix}{fileName}' has shape {StateDictMatch.Format(tensor.shape)}, the model's head expects {StateDictMatch.Format(destination.shape)}";
        }
        foreach (var (name, tensor) in expected)
            if (name.StartsWith(Head, StringComparison.Ordinal) && !names.Contains(name))
                return $"the file lacks '{prefix}{name}' (shape {StateDictMatch.Format(tensor.shape)}) of the model's head";
        return null;
    }
}
