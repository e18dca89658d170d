using Google.Protobuf;

namespace MlNetMoco.Core.Onnx.Protos;

/// <summary>onnx.proto <c>NodeProto</c>: one operator application.</summary>
public sealed class NodeProto : IOnnxProtoMessage
{
    private const int InputField = 1;
    private const int OutputField = 2;
    private const int NameField = 3;
    private const int OpTypeField = 4;
    private const int AttributeField = 5;
    private const int DocStringField = 6;
    private const int DomainField = 7;

    /// <summary>Creates a node running <paramref name="opType"/>.</summary>
    public NodeProto(string opType) => OpType = opType;

    /// <summary>Field 1, <c>input</c>: value names ("" marks an omitted optional input).</summary>
    public List<string> Input { get; } = new();

    /// <summary>Field 2, <c>output</c>: value names.</summary>
    public List<string> Output { get; } = new();

    /// <summary>Field 3, <c>name</c>, or <see langword="null"/> when absent.</summary>
    public string? Name { get; set; }

    /// <summary>Field 4, <c>op_type</c>.</summary>
    public string OpType { get; set; }

    /// <summary>Field 5, <c>attribute</c>.</summary>
    public List<AttributeProto> Attribute { get; } = new();

    /// <summary>Field 6, <c>doc_string</c>, or <see langword="null"/> when absent.</summary>
    public string? DocString { get; set; }

    /// <summary>Field 7, <c>domain</c>; <see langword="null"/> (absent) is the default ONNX domain.</summary>
    public string? Domain { get; set; }

    /// <inheritdoc />
    public int CalculateSize() => checked(
        ProtoWire.RepeatedStringSize(InputField, Input)
        + ProtoWire.RepeatedStringSize(OutputField, Output)
        + ProtoWire.StringSize(NameField, Name)
        + ProtoWire.StringSize(OpTypeField, OpType)
        + ProtoWire.RepeatedMessageSize(AttributeField, Attribute)
        + ProtoWire.StringSize(DocStringField, DocString)
        + ProtoWire.StringSize(DomainField, Domain));

    /// <inheritdoc />
    public void WriteTo(CodedOutputStream output)
    {
        ProtoWire.WriteRepeatedString(output, InputField, Input);
        ProtoWire.WriteRepeatedString(output, OutputField, Output);
        ProtoWire.WriteString(output, NameField, Name);
        ProtoWire.WriteString(output, OpTypeField, OpType);
        ProtoWire.WriteRepeatedMessage(output, AttributeField, Attribute);
        ProtoWire.WriteString(output, DocStringField, DocString);
        ProtoWire.WriteString(output, DomainField, Domain);
    }
}
