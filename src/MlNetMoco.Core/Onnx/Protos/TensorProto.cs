using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Google.Protobuf;

namespace MlNetMoco.Core.Onnx.Protos;

/// <summary>
/// onnx.proto <c>TensorProto</c>: a named constant tensor (an initializer). Data is always stored in
/// <c>raw_data</c> as fixed-width little-endian values in row-major order.
/// </summary>
public sealed class TensorProto : IOnnxProtoMessage
{
    private const int DimsField = 1;
    private const int DataTypeField = 2;
    private const int NameField = 8;
    private const int RawDataField = 9;
    private const int DocStringField = 12;

    private TensorProto(string name, TensorDataType dataType, long[] dims, byte[] rawData)
    {
        Name = name;
        DataType = dataType;
        Dims = dims;
        RawData = rawData;
    }

    /// <summary>Field 1, <c>dims</c> (row-major shape; empty for a scalar).</summary>
    public IReadOnlyList<long> Dims { get; }

    /// <summary>Field 2, <c>data_type</c>.</summary>
    public TensorDataType DataType { get; }

    /// <summary>Field 8, <c>name</c>.</summary>
    public string Name { get; }

    /// <summary>Field 9, <c>raw_data</c>: little-endian element bytes.</summary>
    public ReadOnlyMemory<byte> RawData { get; }

    /// <summary>Field 12, <c>doc_string</c>, or <see langword="null"/> when absent.</summary>
    public string? DocString { get; set; }

    /// <summary>A float32 tensor of shape <paramref name="dims"/> holding <paramref name="data"/> (row-major).</summary>
    /// <exception cref="ArgumentException">The element count does not match the shape.</exception>
    public static TensorProto FromFloats(string name, ReadOnlySpan<float> data, params ReadOnlySpan<long> dims)
    {
        long[] shape = CheckShape(name, data.Length, dims);
        var raw = new byte[checked(data.Length * sizeof(float))];
        if (BitConverter.IsLittleEndian)
            MemoryMarshal.AsBytes(data).CopyTo(raw);
        else
            for (int i = 0; i < data.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(i * sizeof(float)), data[i]);
        return new TensorProto(name, TensorDataType.Float, shape, raw);
    }

    /// <summary>An int64 tensor of shape <paramref name="dims"/> holding <paramref name="data"/> (row-major).</summary>
    /// <exception cref="ArgumentException">The element count does not match the shape.</exception>
    public static TensorProto FromInt64s(string name, ReadOnlySpan<long> data, params ReadOnlySpan<long> dims)
    {
        long[] shape = CheckShape(name, data.Length, dims);
        var raw = new byte[checked(data.Length * sizeof(long))];
        if (BitConverter.IsLittleEndian)
            MemoryMarshal.AsBytes(data).CopyTo(raw);
        else
            for (int i = 0; i < data.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(raw.AsSpan(i * sizeof(long)), data[i]);
        return new TensorProto(name, TensorDataType.Int64, shape, raw);
    }

    private static long[] CheckShape(string name, int count, ReadOnlySpan<long> dims)
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
        return dims.ToArray();
    }

    /// <inheritdoc />
    public int CalculateSize() => checked(
        ProtoWire.RepeatedInt64Size(DimsField, Dims)
        + ProtoWire.Int32Size(DataTypeField, (int)DataType)
        + ProtoWire.StringSize(NameField, Name)
        + ProtoWire.BytesSize(RawDataField, RawData)
        + ProtoWire.StringSize(DocStringField, DocString));

    /// <inheritdoc />
    public void WriteTo(CodedOutputStream output)
    {
        ProtoWire.WriteRepeatedInt64(output, DimsField, Dims);
        ProtoWire.WriteInt32(output, DataTypeField, (int)DataType);
        ProtoWire.WriteString(output, NameField, Name);
        ProtoWire.WriteBytes(output, RawDataField, RawData);
        ProtoWire.WriteString(output, DocStringField, DocString);
    }
}
