using static TorchSharp.torch;

namespace MlNetMoco.Core.Interop.Pickle;

/// <summary>
/// A tensor of a <c>torch.save</c> file, as <c>torch._utils._rebuild_tensor_v2</c> describes it (storage, offset,
/// size, stride), not yet read: <see cref="Materialize"/> copies it out of its storage.
/// </summary>
internal sealed class TorchTensorRef(TorchStorage storage, long offset, long[] shape, long[] stride)
{
    /// <summary>The storage the tensor views.</summary>
    public TorchStorage Storage { get; } = storage;

    /// <summary>Offset of the first element in the storage, in elements.</summary>
    public long Offset { get; } = offset;

    /// <summary>The tensor's shape.</summary>
    public long[] Shape { get; } = shape;

    /// <summary>The tensor's strides, in elements.</summary>
    public long[] Stride { get; } = stride;

    /// <summary>Copies the tensor out of its storage into a new contiguous CPU tensor.</summary>
    /// <param name="what">Subject of error messages, e.g. "Tensor 'conv1.weight' of weight file 'a.pth'".</param>
    /// <exception cref="InvalidDataException">The storage's type is unsupported or the view reaches past its end.</exception>
    public Tensor Materialize(string what)
    {
        var dtype = Storage.DType
            ?? throw new InvalidDataException($"{what} is stored as {Storage.TypeName}, which this library does not read.");
        if (Shape.Length != Stride.Length)
            throw new InvalidDataException($"{what} is corrupt: shape [{string.Join(", ", Shape)}] and stride [{string.Join(", ", Stride)}] differ in rank.");
        long last = Offset;
        bool hasZero = false;
        for (int d = 0; d < Shape.Length; d++)
        {
            if (Shape[d] < 0 || Stride[d] < 0)
                throw new InvalidDataException($"{what} is corrupt: negative size or stride.");
            if (Shape[d] == 0) hasZero = true;
            else if (Shape[d] - 1 > (long.MaxValue - last) / Math.Max(Stride[d], 1))
                throw new InvalidDataException($"{what} is corrupt: its size and stride overflow.");
            else last += (Shape[d] - 1) * Stride[d];
        }
        if (hasZero) return zeros(Shape, dtype);
        if (Offset < 0 || last >= Storage.Elements)
            throw new InvalidDataException(
                $"{what} is corrupt: it reaches element {last} of storage '{Storage.Key}', which holds {Storage.Elements}.");
        var root = Storage.Root ?? Storage;
        using var view = root.Data().as_strided(Shape, Stride, Storage.ElementOffset + Offset);
        return empty(Shape, dtype).copy_(view);
    }
}
