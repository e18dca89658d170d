using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Methods;

/// <summary>
/// MoCo's dictionary: a ring buffer of the K most recent L2-normalised keys, stored D×K as in facebookresearch/moco
/// (<c>queue</c>, with the write position in <c>queue_ptr</c>). Any K works: a batch that crosses the end wraps
/// around to the start, so K need not be a multiple of the batch size.
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
    }

    /// <summary>The keys, D×K (a buffer: mutated in place).</summary>
    public Tensor Keys { get; }

    /// <summary>Index of the next column to overwrite, a 1-element int64 tensor (a buffer: mutated in place).</summary>
    public Tensor Pointer { get; }

    /// <summary>Number of keys K.</summary>
    public int Size => (int)Keys.shape[1];

    /// <summary>Writes the rows of <paramref name="keys"/> (N×D) into the next N columns, wrapping around, and advances the pointer.</summary>
    public void Enqueue(Tensor keys)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        int n = (int)keys.shape[0];
        int size = Size;
        if (n > size) keys = keys.narrow(0, n - size, size); // only the newest K survive
        n = (int)keys.shape[0];
        int ptr = (int)Pointer.item<long>();
        var transposed = keys.detach().t();
        int first = Math.Min(n, size - ptr);
        Keys.narrow(1, ptr, first).copy_(transposed.narrow(1, 0, first));
        if (first < n) Keys.narrow(1, 0, n - first).copy_(transposed.narrow(1, first, n - first));
        Pointer.fill_((ptr + n) % size);
    }
}
