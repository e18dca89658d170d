using Google.Protobuf;

namespace MlNetMoco.Core.Onnx.Protos;

/// <summary>
/// Field-level encoding helpers shared by the ONNX message classes: every <c>XxxSize</c> returns the full
/// encoded size of one field (tag included) and the matching <c>WriteXxx</c> writes exactly that many bytes.
/// A <see langword="null"/> optional field is absent and costs nothing.
/// </summary>
internal static class ProtoWire
{
    private static int Tag(int field) => CodedOutputStream.ComputeTagSize(field);

    public static int StringSize(int field, string? value) =>
        value is null ? 0 : checked(Tag(field) + CodedOutputStream.ComputeStringSize(value));

    public static void WriteString(CodedOutputStream output, int field, string? value)
    {
        if (value is null) return;
        output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        output.WriteString(value);
    }

    public static int Int64Size(int field, long value) => Tag(field) + CodedOutputStream.ComputeInt64Size(value);

    public static void WriteInt64(CodedOutputStream output, int field, long value)
    {
        output.WriteTag(field, WireFormat.WireType.Varint);
        output.WriteInt64(value);
    }

    public static int Int32Size(int field, int value) => Tag(field) + CodedOutputStream.ComputeInt32Size(value);

    public static void WriteInt32(CodedOutputStream output, int field, int value)
    {
        output.WriteTag(field, WireFormat.WireType.Varint);
        output.WriteInt32(value);
    }

    /// <summary>A proto2 <c>repeated int64</c> without <c>[packed = true]</c>: one tag per element.</summary>
    public static int RepeatedInt64Size(int field, IReadOnlyList<long> values)
    {
        int size = 0;
        foreach (long v in values) size = checked(size + Int64Size(field, v));
        return size;
    }

    /// <summary>Writes a proto2 <c>repeated int64</c> unpacked (one tag per element), as onnx.proto declares it.</summary>
    public static void WriteRepeatedInt64(CodedOutputStream output, int field, IReadOnlyList<long> values)
    {
        foreach (long v in values) WriteInt64(output, field, v);
    }

    public static int FloatSize(int field) => Tag(field) + 4;

    public static void WriteFloat(CodedOutputStream output, int field, float value)
    {
        output.WriteTag(field, WireFormat.WireType.Fixed32);
        output.WriteFloat(value);
    }

    public static int BytesSize(int field, ReadOnlyMemory<byte> value) =>
        checked(Tag(field) + CodedOutputStream.ComputeLengthSize(value.Length) + value.Length);

    public static void WriteBytes(CodedOutputStream output, int field, ReadOnlyMemory<byte> value)
    {
        output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(UnsafeByteOperations.UnsafeWrap(value));
    }

    public static int MessageSize(int field, IOnnxProtoMessage? message)
    {
        if (message is null) return 0;
        int body = message.CalculateSize();
        return checked(Tag(field) + CodedOutputStream.ComputeLengthSize(body) + body);
    }

    public static void WriteMessage(CodedOutputStream output, int field, IOnnxProtoMessage? message)
    {
        if (message is null) return;
        output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        output.WriteLength(message.CalculateSize());
        message.WriteTo(output);
    }

    public static int RepeatedMessageSize<T>(int field, IReadOnlyList<T> messages) where T : IOnnxProtoMessage
    {
        int size = 0;
        foreach (T m in messages) size = checked(size + MessageSize(field, m));
        return size;
    }

    public static void WriteRepeatedMessage<T>(CodedOutputStream output, int field, IReadOnlyList<T> messages) where T : IOnnxProtoMessage
    {
        foreach (T m in messages) WriteMessage(output, field, m);
    }

    public static int RepeatedStringSize(int field, IReadOnlyList<string> values)
    {
        int size = 0;
        foreach (string v in values) size = checked(size + StringSize(field, v));
        return size;
    }

    public static void WriteRepeatedString(CodedOutputStream output, int field, IReadOnlyList<string> values)
    {
        foreach (string v in values) WriteString(output, field, v);
    }
}
