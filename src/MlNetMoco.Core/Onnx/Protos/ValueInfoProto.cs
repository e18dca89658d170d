using Google.Protobuf;

namespace MlNetMoco.Core.Onnx.Protos;

/// <summary>onnx.proto <c>ValueInfoProto</c>: a named value with its type (used for graph inputs and outputs).</summary>
public sealed class ValueInfoProto : IOnnxProtoMessage
{
    private const int NameField = 1;
    private const int TypeField = 2;
    private const int DocStringField = 3;

    /// <summary>Creates a value description.</summary>
    public ValueInfoProto(string name, TypeProto type)
    {
        Name = name;
        Type = type;
    }

    /// <summary>Field 1, <c>name</c>.</summary>
    public string Name { get; set; }

    /// <summary>Field 2, <c>type</c>.</summary>
    public TypeProto Type { get; set; }

    /// <summary>Field 3, <c>doc_string</c>, or <see langword="null"/> when absent.</summary>
    public string? DocString { get; set; }

    /// <inheritdoc />
    public int CalculateSize() => checked(
        ProtoWire.StringSize(NameField, Name) + ProtoWire.MessageSize(TypeField, Type) + ProtoWire.StringSize(DocStringField, DocString));

    /// <inheritdoc />
    public void WriteTo(CodedOutputStream output)
    {
        ProtoWire.WriteString(output, NameField, Name);
        ProtoWire.WriteMessage(output, TypeField, Type);
        ProtoWire.WriteString(output, DocStringField, DocString);
    }
}
