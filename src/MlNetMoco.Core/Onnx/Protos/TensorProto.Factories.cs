using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Google.Protobuf;

namespace MlNetMoco.Core.Onnx.Protos;

/// <summary>
/// Factories of the generated <c>TensorProto</c> (onnx_ir_subset.proto): a named constant tensor (an initializer)
/// whose elements are stored in <c>raw_data</c> as fixed-width little-endian values in row-major order.
/// </summary>
public sealed partial class TensorProto
{
    /// <summary>A float32 tensor of shape <paramref name="dims"/> holding <paramref name="data"/> (row-major).</summary>
    /// <exception cref="ArgumentException">The element count does not match the shape.</exception>
    public static TensorProto FromFloats(string name, ReadOnlySpan<float> data, params ReadOnlySpan<long> dims)
    {
        CheckShape(name, data.Length, dims);
        var raw = new byte[checked(data.Length * sizeof(float))];
        if (BitConverter.IsLittleEndian)
            MemoryMarshal.AsBytes(data).CopyTo(raw);
        else
            for (int i = 0; i < data.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(i * sizeof(float)), data[i]);
        return Create(name, Types.DataType.Float, dims, raw);
    }

    /// <summary>An int64 tensor of shape <paramref name="dims"/> holding <paramref name="data"/> (row-major).</summary>
    /// <exception cref="ArgumentException">The element count does not match the shape.</exception>
    public static TensorProto FromInt64s(string name, ReadOnlySpan<long> data, params ReadOnlySpan<long> dims)
    {
        CheckShape(name, data.Length, dims);
        var raw = new byte[checked(data.Length * sizeof(long))];
        if (BitConverter.IsLittleEndian)
            MemoryMarshal.AsBytes(data).CopyTo(raw);
        else
            for (int i = 0; i < data.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(raw.AsSpan(i * sizeof(long)), data[i]);
        return Create(name, Types.DataType.Int64, dims, raw);
    }

    /// <summary>A text tensor of shape <paramref name="dims"/> holding <paramref name="data"/> (row-major, UTF-8 in <c>string_data</c>).</summary>
    /// <exception cref="ArgumentException">The element count does not match the shape.</exception>
    public static TensorProto FromStrings(string name, IReadOnlyList<string> data, params ReadOnlySpan<long> dims)
    {
        ArgumentNullException.ThrowIfNull(data);
        CheckShape(name, data.Count, dims);
        var tensor = new TensorProto { Name = name, DataType = (int)Types.DataType.String };
        foreach (long d in dims) tensor.Dims.Add(d);
        foreach (string value in data) tensor.StringData.Add(ByteString.CopyFromUtf8(value));
        return tensor;
    }

    private static TensorProto Create(string name, Types.DataType type, ReadOnlySpan<long> dims, byte[] raw)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)type, RawData = UnsafeByteOperations.UnsafeWrap(raw) };
        foreach (long d in dims) tensor.Dims.Add(d);
        return tensor;
    }

    private static void CheckShape(string name, int count, ReadOnlySpan<long> dims)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        long expected = 1;
        foreach (long d in dims)
        {
            if (d < 0) throw new ArgumentException($"Tensor '{name}' has a negative dimension in [{string.Join(", ", dims.ToArray())}].", nameof(dims));
            expected = checked(expected * d);
        }
        if (expected != count)
            throw new ArgumentException($"Tensor '{name}' of shape [{string.Join(", ", dims.ToArray())}] needs {expected} element(s), got {count}.", nameof(dims));
    }
}
