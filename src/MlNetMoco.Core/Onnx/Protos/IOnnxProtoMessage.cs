using Google.Protobuf;

namespace MlNetMoco.Core.Onnx.Protos;

/// <summary>
/// A hand-written ONNX protobuf message (onnx.proto, proto2 syntax) that can be serialised with
/// <see cref="CodedOutputStream"/>. Only the fields this project emits are modelled.
/// </summary>
public interface IOnnxProtoMessage
{
    /// <summary>Number of bytes <see cref="WriteTo"/> writes (the message body, without any enclosing tag or length).</summary>
    int CalculateSize();

    /// <summary>Writes the message body (fields in field-number order) to <paramref name="output"/>.</summary>
    void WriteTo(CodedOutputStream output);
}
