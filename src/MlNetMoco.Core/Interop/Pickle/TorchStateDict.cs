using System.Globalization;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Interop.Pickle;

/// <summary>
/// Finds the state dict in the object of a <c>torch.save</c> file: the object itself when it is a dict of tensors
/// (torchvision <c>*.pth</c>), else its <c>state_dict</c> entry (facebookresearch/moco and moco-v3 checkpoints) or
/// <c>model</c> entry; the checkpoint's scalar entries (<c>epoch</c>, <c>arch</c>, …) become metadata.
/// </summary>
internal static class TorchStateDict
{
    /// <summary>The checkpoint keys that may hold the state dict, in the order they are tried.</summary>
    public static readonly string[] Keys = ["state_dict", "model"];

    /// <summary>The state dict's entries (values are <see cref="TorchTensorRef"/>s unless the file is odd) and the metadata.</summary>
    /// <exception cref="InvalidDataException">The object is not a dict, or holds no state dict.</exception>
    public static (List<(string Name, object? Value)> Entries, Dictionary<string, string> Metadata) Find(object? root, string source)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        if (root is not PyDict dict)
            throw new InvalidDataException($"{source} holds {PyValues.Describe(root)}, not a state dict or a checkpoint dict.");
        PyDict? stateDict = null;
        if (dict.Count > 0 && dict.Items.All(kv => kv.Value is TorchTensorRef)) stateDict = dict;
        else
        {
            foreach (string key in Keys)
                if (stateDict is null && dict.TryGet(key, out var value) && value is PyDict inner) stateDict = inner;
            foreach (var (key, value) in dict.Items)
                if (key is string name && value is string or long or double or bool)
                    metadata[name] = Convert.ToString(value, CultureInfo.InvariantCulture)!;
        }
        if (stateDict is null)
            throw new InvalidDataException(
                $"{source} holds a dict with keys {ArchitectureDetector.Sample(dict.Items.Select(kv => kv.Key.ToString() ?? ""))} but no state dict: " +
                $"expected a dict of tensors, or a checkpoint with {string.Join(" or ", Keys.Select(k => $"'{k}'"))} holding one.");
        var entries = new List<(string, object?)>();
        foreach (var (key, value) in stateDict.Items)
            entries.Add((key as string ?? throw new InvalidDataException($"{source} has a state dict key that is not a string ({PyValues.Describe(key)})."), value));
        return (entries, metadata);
    }

    /// <summary>Reads the selected entries' tensors; a selected entry that is not a tensor is an error naming it.</summary>
    public static List<(string, Tensor)> Materialize(List<(string Name, object? Value)> entries, Func<string, bool> select, string path, string source)
    {
        var tensors = new List<(string, Tensor)>();
        try
        {
            foreach (var (name, value) in entries)
            {
                if (!select(name)) continue;
                if (value is not TorchTensorRef reference)
                    throw new InvalidDataException($"{source}: state dict entry '{name}' is {PyValues.Describe(value)}, not a tensor.");
                tensors.Add((name, reference.Materialize($"Tensor '{name}' of weight file '{path}'")));
            }
            return tensors;
        }
        catch
        {
            foreach (var (_, t) in tensors) t.Dispose();
            throw;
        }
    }
}
