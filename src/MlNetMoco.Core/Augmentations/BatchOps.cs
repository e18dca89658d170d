using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Augmentations;

/// <summary>Shared plumbing of the batch augmentations: argument checks, CPU random draws, per-sample selection.</summary>
internal static class BatchOps
{
    /// <summary>Throws unless <paramref name="images"/> is a floating-point N×C×H×W tensor.</summary>
    internal static void CheckImages(Tensor images, torch.Generator generator)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(generator);
        if (images.dim() != 4)
            throw new ArgumentException($"Expected an N×C×H×W batch, got shape [{string.Join(", ", images.shape)}].", nameof(images));
        if (!images.is_floating_point())
            throw new ArgumentException($"Expected floating-point images, got {images.dtype}.", nameof(images));
    }

    /// <summary>Draws uniform [0, 1) values of the given shape on the CPU generator, row-major.</summary>
    internal static double[] Uniform(torch.Generator generator, params long[] shape)
    {
        using var values = rand(shape, dtype: ScalarType.Float64, device: CPU, generator: generator);
        return values.data<double>().ToArray();
    }

    /// <summary>Per-sample values (one per index) as an n×1×1×1 tensor on the device and dtype of <paramref name="like"/>.</summary>
    internal static Tensor Column(double[] values, IReadOnlyList<int> indices, Tensor like)
    {
        var picked = new float[indices.Count];
        for (int i = 0; i < picked.Length; i++) picked[i] = (float)values[indices[i]];
        return tensor(picked, new long[] { picked.Length, 1, 1, 1 }).to(like.dtype, like.device);
    }

    /// <summary>
    /// Runs <paramref name="op"/> on the selected samples only and returns a new batch with their results put back in
    /// place; unselected samples are copied unchanged. <paramref name="op"/> receives the sub-batch and, for each of
    /// its rows, the index of the sample in the full batch; it must return a new tensor of the sub-batch's shape.
    /// </summary>
    internal static Tensor ApplyToSelected(Tensor images, IReadOnlyList<bool> selected, Func<Tensor, int[], Tensor> op)
    {
        var indices = new List<int>(selected.Count);
        for (int i = 0; i < selected.Count; i++)
            if (selected[i]) indices.Add(i);
        if (indices.Count == 0) return images.clone();
        if (indices.Count == selected.Count) return op(images, indices.ToArray());

        using var scope = NewDisposeScope();
        var index = tensor(indices.Select(i => (long)i).ToArray()).to(images.device);
        var part = op(images.index_select(0, index), indices.ToArray());
        return images.index_copy(0, index, part).MoveToOuterDisposeScope();
    }

    /// <summary>True for each sample whose uniform draw is below <paramref name="p"/> (p = 0: none, p = 1: all).</summary>
    internal static bool[] Bernoulli(double[] uniforms, int stride, int offset, double p)
    {
        var result = new bool[uniforms.Length / stride];
        for (int n = 0; n < result.Length; n++) result[n] = uniforms[n * stride + offset] < p;
        return result;
    }

    /// <summary>Throws unless 0 ≤ <paramref name="p"/> ≤ 1.</summary>
    internal static double CheckProbability(double p, string name) =>
        p is >= 0 and <= 1 ? p : throw new ArgumentOutOfRangeException(name, p, "A probability must be in [0, 1].");
}
