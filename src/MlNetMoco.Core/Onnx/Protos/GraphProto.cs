using Google.Protobuf;

namespace MlNetMoco.Core.Onnx.Protos;

/// <summary>onnx.proto <c>GraphProto</c>: topologically sorted nodes, initializers, inputs and outputs.</summary>
public sealed class GraphProto : IOnnxProtoMessage
{
    private const int NodeField = 1;
    private const int NameField = 2;
    private const int InitializerField = 5;
    private const int DocStringField = 10;
    private const int InputField = 11;
    private const int OutputField = 12;
    private const int ValueInfoField = 13;

    /// <summary>Creates an empty graph.</summary>
    public GraphProto(string name) => Name = name;

    /// <summary>Field 1, <c>node</c>, in topological order.</summary>
    public List<NodeProto> Node { get; } = new();

    /// <summary>Field 2, <c>name</c>.</summary>
    public string Name { get; set; }

    /// <summary>Field 5, <c>initializer</c>: constant tensors (not listed as inputs; IR ≥ 4).</summary>
    public List<TensorProto> Initializer { get; } = new();

    /// <summary>Field 10, <c>doc_string</c>, or <see langword="null"/> when absent.</summary>
    public string? DocString { get; set; }

    /// <summary>Field 11, <c>input</c>.</summary>
    public List<ValueInfoProto> Input { get; } = new();

    /// <summary>Field 12, <c>output</c>.</summary>
    public List<ValueInfoProto> Output { get; } = new();

    /// <summary>Field 13, <c>value_info</c>: optional types of intermediate values.</summary>
    public List<ValueInfoProto> ValueInfo { get; } = new();

    /// <inheritdoc />
    public int CalculateSize() => checked(
        ProtoWire.RepeatedMessageSize(NodeField, Node)
        + ProtoWire.StringSize(NameField, Name)
        + ProtoWire.RepeatedMessageSize(InitializerField, Initializer)
        + ProtoWire.StringSize(DocStringField, DocString)
        + ProtoWire.RepeatedMessageSize(InputField, Input)
        + ProtoWire.RepeatedMessageSize(OutputField, Output)
        + ProtoWire.RepeatedMessageSize(ValueInfoField, ValueInfo));

    /// <inheritdoc />
    public void WriteTo(CodedOutputStream output)
    {
        ProtoWire.WriteRepeatedMessage(output, NodeField, Node);
        ProtoWire.WriteString(output, NameField, Name);
        ProtoWire.WriteRepeatedMessage(output, InitializerField, Initializer);
        ProtoWire.WriteString(output, DocStringField, DocString);
        ProtoWire.WriteRepeatedMessage(output, InputField, Input);
        ProtoWire.WriteRepeatedMessage(output, OutputField, Output);
        ProtoWire.WriteRepeatedMessage(output, ValueInfoField, ValueInfo);
    }
}
