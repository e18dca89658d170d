using Google.Protobuf;

namespace MlNetMoco.Core.Onnx.Protos;

/// <summary>onnx.proto <c>StringStringEntryProto</c>: one key/value pair (ONNX's portable map entry), e.g. a <c>metadata_props</c> item.</summary>
public sealed class StringStringEntryProto : IOnnxProtoMessage
{
    private const int KeyField = 1;
    private const int ValueField = 2;

    /// <summary>Creates an entry.</summary>
    public StringStringEntryProto(string key, string value)
    {
        Key = key;
        Value = value;
    }

    /// <summary>Field 1, <c>key</c>.</summary>
    public string Key { get; set; }

    /// <summary>Field 2, <c>value</c>.</summary>
    public string Value { get; set; }

    /// <inheritdoc />
    public int CalculateSize() => checked(ProtoWire.StringSize(KeyField, Key) + ProtoWire.StringSize(ValueField, Value));

    /// <inheritdoc />
    public void WriteTo(CodedOutputStream output)
    {
        ProtoWire.WriteString(output, KeyField, Key);
        ProtoWire.WriteString(output, ValueField, Value);
    }
}
