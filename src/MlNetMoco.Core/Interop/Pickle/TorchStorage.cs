using static TorchSharp.torch;

namespace MlNetMoco.Core.Interop.Pickle;

/// <summary>
/// A storage of a <c>torch.save</c> file (the flat buffer tensors are views of), read on first use and kept until
/// disposed, so tensors that share it read it once. <see cref="ElementOffset"/> is non-zero for the storage views of
/// the legacy format.
/// </summary>
internal sealed class TorchStorage : IDisposable
{
    private readonly Func<TorchStorage, Tensor> _load;
    private Tensor? _data;

    /// <summary>Describes a storage whose data <paramref name="load"/> reads (a 1-D tensor of <see cref="Elements"/> values).</summary>
    public TorchStorage(string key, string typeName, ScalarType? dtype, long elements, Func<TorchStorage, Tensor> load)
    {
        Key = key;
        TypeName = typeName;
        DType = dtype;
        Elements = elements;
        _load = load;
    }

    /// <summary>The storage's key in the file.</summary>
    public string Key { get; }

    /// <summary>The storage class named by the file, e.g. <c>FloatStorage</c>.</summary>
    public string TypeName { get; }

    /// <summary>The element type, or null when the storage class is not supported.</summary>
    public ScalarType? DType { get; }

    /// <summary>Number of elements.</summary>
    public long Elements { get; }

    /// <summary>Offset in elements into the root storage (legacy storage views), else 0.</summary>
    public long ElementOffset { get; init; }

    /// <summary>The storage this one is a view of (legacy format), or null.</summary>
    public TorchStorage? Root { get; init; }

    /// <summary>The element type of a storage class name (<c>FloatStorage</c> → float32, …), or null.</summary>
    public static ScalarType? DTypeOf(string typeName) => typeName switch
    {
        "FloatStorage" => ScalarType.Float32,
        "DoubleStorage" => ScalarType.Float64,
        "HalfStorage" => ScalarType.Float16,
        "BFloat16Storage" => ScalarType.BFloat16,
        "LongStorage" => ScalarType.Int64,
        "IntStorage" => ScalarType.Int32,
        "ShortStorage" => ScalarType.Int16,
        "CharStorage" => ScalarType.Int8,
        "ByteStorage" => ScalarType.Byte,
        "BoolStorage" => ScalarType.Bool,
        _ => null,
    };

    /// <summary>Size in bytes of one element of <paramref name="dtype"/>.</summary>
    public static int SizeOf(ScalarType dtype) => dtype switch
    {
        ScalarType.Float64 or ScalarType.Int64 => 8,
        ScalarType.Float32 or ScalarType.Int32 => 4,
        ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Int16 => 2,
        _ => 1,
    };

    /// <summary>The elements of a root storage as a flat CPU tensor (read on first call; a view reads its <see cref="Root"/>).</summary>
    public Tensor Data() => _data ??= _load(this);

    /// <summary>Releases the data read so far.</summary>
    public void Dispose()
    {
        _data?.Dispose();
        _data = null;
    }
}
