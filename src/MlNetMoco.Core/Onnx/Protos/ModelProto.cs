using Google.Protobuf;

namespace MlNetMoco.Core.Onnx.Protos;

/// <summary>onnx.proto <c>ModelProto</c>: the top-level message of a <c>.onnx</c> file.</summary>
public sealed class ModelProto : IOnnxProtoMessage
{
    private const int IrVersionField = 1;
    private const int ProducerNameField = 2;
    private const int ProducerVersionField = 3;
    private const int DomainField = 4;
    private const int ModelVersionField = 5;
    private const int DocStringField = 6;
    private const int GraphField = 7;
    private const int OpsetImportField = 8;
    private const int MetadataPropsField = 14;

    /// <summary>Creates a model around <paramref name="graph"/>.</summary>
    public ModelProto(long irVersion, GraphProto graph)
    {
        IrVersion = irVersion;
        Graph = graph;
    }

    /// <summary>Field 1, <c>ir_version</c>.</summary>
    public long IrVersion { get; set; }

    /// <summary>Field 2, <c>producer_name</c>, or <see langword="null"/> when absent.</summary>
    public string? ProducerName { get; set; }

    /// <summary>Field 3, <c>producer_version</c>, or <see langword="null"/> when absent.</summary>
    public string? ProducerVersion { get; set; }

    /// <summary>Field 4, <c>domain</c> (reverse-DNS model namespace), or <see langword="null"/> when absent.</summary>
    public string? Domain { get; set; }

    /// <summary>Field 5, <c>model_version</c>, or <see langword="null"/> when absent.</summary>
    public long? ModelVersion { get; set; }

    /// <summary>Field 6, <c>doc_string</c>, or <see langword="null"/> when absent.</summary>
    public string? DocString { get; set; }

    /// <summary>Field 7, <c>graph</c>.</summary>
    public GraphProto Graph { get; set; }

    /// <summary>Field 8, <c>opset_import</c>; at least one entry is required.</summary>
    public List<OperatorSetIdProto> OpsetImport { get; } = new();

    /// <summary>Field 14, <c>metadata_props</c>; keys should be distinct.</summary>
    public List<StringStringEntryProto> MetadataProps { get; } = new();

    /// <inheritdoc />
    public int CalculateSize() => checked(
        ProtoWire.Int64Size(IrVersionField, IrVersion)
        + ProtoWire.StringSize(ProducerNameField, ProducerName)
        + ProtoWire.StringSize(ProducerVersionField, ProducerVersion)
        + ProtoWire.StringSize(DomainField, Domain)
        + (ModelVersion is long v ? ProtoWire.Int64Size(ModelVersionField, v) : 0)
        + ProtoWire.StringSize(DocStringField, DocString)
        + ProtoWire.MessageSize(GraphField, Graph)
        + ProtoWire.RepeatedMessageSize(OpsetImportField, OpsetImport)
        + ProtoWire.RepeatedMessageSize(MetadataPropsField, MetadataProps));

    /// <inheritdoc />
    public void WriteTo(CodedOutputStream output)
    {
        ProtoWire.WriteInt64(output, IrVersionField, IrVersion);
        ProtoWire.WriteString(output, ProducerNameField, ProducerName);
        ProtoWire.WriteString(output, ProducerVersionField, ProducerVersion);
        ProtoWire.WriteString(output, DomainField, Domain);
        if (ModelVersion is long v) ProtoWire.WriteInt64(output, ModelVersionField, v);
        ProtoWire.WriteString(output, DocStringField, DocString);
        ProtoWire.WriteMessage(output, GraphField, Graph);
        ProtoWire.WriteRepeatedMessage(output, OpsetImportField, OpsetImport);
        ProtoWire.WriteRepeatedMessage(output, MetadataPropsField, MetadataProps);
    }

    /// <summary>The serialised model.</summary>
    /// <exception cref="InvalidOperationException">The model exceeds protobuf's 2 GiB message limit.</exception>
    public byte[] ToByteArray()
    {
        var bytes = new byte[SizeOrThrow()];
        var output = new CodedOutputStream(bytes);
        WriteTo(output);
        output.CheckNoSpaceLeft();
        return bytes;
    }

    /// <summary>Serialises the model to <paramref name="destination"/> (left open).</summary>
    /// <exception cref="InvalidOperationException">The model exceeds protobuf's 2 GiB message limit.</exception>
    public void WriteTo(Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        SizeOrThrow();
        using var output = new CodedOutputStream(destination, leaveOpen: true);
        WriteTo(output);
        output.Flush();
    }

    private int SizeOrThrow()
    {
        try { return CalculateSize(); }
        catch (OverflowException e)
        {
            throw new InvalidOperationException("The ONNX model exceeds protobuf's 2 GiB limit (external tensor data is not supported).", e);
        }
    }
}
