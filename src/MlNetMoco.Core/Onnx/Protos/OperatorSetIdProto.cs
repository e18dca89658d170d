using Google.Protobuf;

namespace MlNetMoco.Core.Onnx.Protos;

/// <summary>onnx.proto <c>OperatorSetIdProto</c>: an imported operator set (domain, version).</summary>
public sealed class OperatorSetIdProto : IOnnxProtoMessage
{
    private const int DomainField = 1;
    private const int VersionField = 2;

    /// <summary>Creates an opset import; <paramref name="domain"/> "" is the default ONNX domain (<c>ai.onnx</c>).</summary>
    public OperatorSetIdProto(string domain, long version)
    {
        Domain = domain;
        Version = version;
    }

    /// <summary>Field 1, <c>domain</c>; "" (or <see langword="null"/>, field absent) is the default ONNX operator set.</summary>
    public string? Domain { get; set; }

    /// <summary>Field 2, <c>version</c>.</summary>
    public long Version { get; set; }

    /// <inheritdoc />
    public int CalculateSize() => checked(ProtoWire.StringSize(DomainField, Domain) + ProtoWire.Int64Size(VersionField, Version));

    /// <inheritdoc />
    public void WriteTo(CodedOutputStream output)
    {
        ProtoWire.WriteString(output, DomainField, Domain);
        ProtoWire.WriteInt64(output, VersionField, Version);
    }
}
