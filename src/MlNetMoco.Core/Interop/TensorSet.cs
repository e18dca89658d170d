using static TorchSharp.torch;

namespace MlNetMoco.Core.Interop;

/// <summary>
/// Named CPU tensors in file order plus string metadata, as read from a weight file (safetensors, a PyTorch
/// <c>torch.save</c> file or an MlNetMoco file). The set owns its tensors and releases them in <see cref="Dispose"/>.
/// </summary>
public sealed class TensorSet : IDisposable
{
    private readonly List<(string Name, Tensor Tensor)> _tensors;
    private bool _disposed;

    /// <summary>Takes ownership of <paramref name="tensors"/>.</summary>
    /// <param name="tensors">Names and tensors, in file order; names must be unique.</param>
    /// <param name="metadata">String metadata (e.g. safetensors' <c>__metadata__</c>); null → empty.</param>
    /// <exception cref="ArgumentException">A name occurs twice.</exception>
    public TensorSet(IEnumerable<(string Name, Tensor Tensor)> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        _tensors = tensors.ToList();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, _) in _tensors)
            if (!seen.Add(name)) throw new ArgumentException($"Tensor name '{name}' occurs twice.", nameof(tensors));
        Metadata = metadata ?? new Dictionary<string, string>();
    }

    /// <summary>The tensors, in file order.</summary>
    public IReadOnlyList<(string Name, Tensor Tensor)> Tensors
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _tensors;
        }
    }

    /// <summary>String metadata of the file (empty when it has none).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Number of tensors.</summary>
    public int Count => _tensors.Count;

    /// <summary>The tensor called <paramref name="name"/>, or null.</summary>
    /// <param name="name">The exact name.</param>
    public Tensor? Find(string name)
    {
        foreach (var (n, t) in Tensors)
            if (string.Equals(n, name, StringComparison.Ordinal)) return t;
        return null;
    }

    /// <summary>Releases every tensor.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var (_, t) in _tensors) t.Dispose();
    }
}
