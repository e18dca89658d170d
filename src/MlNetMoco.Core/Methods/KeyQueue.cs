using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Methods;

/// <summary>
/// MoCo's dictionary: a ring buffer of the K most recent L2-normalised keys, stored D×K as in facebookresearch/moco
/// (<c>queue</c>, with the write position in <c>queue_ptr</c>). Any K works: a batch that crosses the end wraps
/// around to the start, so K need not be a multiple of the batch size. Beside each key it keeps the index of the image
/// the key was computed from (<c>queue_idx</c>, −1 for the initial random keys), so a query's own stale keys can be
/// told apart from true negatives.
/// </summary>
public sealed class KeyQueue
{
    /// <summary>Creates a queue of <paramref name="size"/> random unit keys of <paramref name="dim"/> dimensions.</summary>
    /// <param name="dim">Key dimension.</param>
    /// <param name="size">Number of keys K.</param>
    /// <param name="device">Device of the keys.</param>
    /// <param name="generator">CPU generator of the initial random keys; null uses the process-wide one.</param>
    public KeyQueue(int dim, int size, Device device, Generator? generator = null)
    {
        if (dim <= 0 || size <= 0) throw new ArgumentException($"Queue needs positive dim and size (got {dim}, {size}).");
        using var random = randn(new long[] { dim, size }, generator: generator).to(device);
        Keys = nn.functional.normalize(random, dim: 0).detach();
        Pointer = zeros(1, dtype: ScalarType.Int64, device: device);
        using var unknown = (-1L).ToScalar();
        Indices = full(size, unknown, dtype: ScalarType.Int64, device: device);
    }

    /// <summary>The keys, D×K (a buffer: mutated in place).</summary>
    public Tensor Keys { get; }

    /// <summary>Index of the next column to overwrite, a 1-element int64 tensor (a buffer: mutated in place).</summary>
    public Tensor Pointer { get; }

    /// <summary>The image index of each key, K int64 values, −1 for a key not computed from an image yet (a buffer: mutated in place).</summary>
    public Tensor Indices { get; }

    /// <summary>Number of keys K.</summary>
    public int Size => (int)Keys.shape[1];

    /// <summary>Writes the rows of <paramref name="keys"/> (N×D) into the next N columns, wrapping around, and advances the pointer.</summary>
    /// <param name="keys">N×D keys.</param>
    /// <param name="indices">The N image indices of the keys (int64), or null to record −1.</param>
    public void Enqueue(Tensor keys, Tensor? indices = null)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        int n = (int)keys.shape[0];
        int size = Size;
        if (indices is not null && indices.shape[0] != n)
            throw new ArgumentException($"{n} keys but {indices.shape[0]} indices.", nameof(indices));
        using var unknown = (-1L).ToScalar();
        var ids = indices?.to(ScalarType.Int64, Indices.device) ?? full(n, unknown, dtype: ScalarType.Int64, device: Indices.device);
        if (n > size)
        {
            keys = keys.narrow(0, n - size, size); // only the newest K survive
            ids = ids.narrow(0, n - size, size);
        }
        n = (int)keys.shape[0];
        int ptr = (int)Pointer.item<long>();
        var transposed = keys.detach().t();
        int first = Math.Min(n, size - ptr);
        Keys.narrow(1, ptr, first).copy_(transposed.narrow(1, 0, first));
        Indices.narrow(0, ptr, first).copy_(ids.narrow(0, 0, first));
        if (first < n)
        {
            Keys.narrow(1, 0, n - first).copy_(transposed.narrow(1, first, n - first));
            Indices.narrow(0, 0, n - first).copy_(ids.narrow(0, first, n - first));
        }
        using var next = ((long)(ptr + n) % size).ToScalar();
        Pointer.fill_(next);
    }
}
