namespace MlNetMoco.Core.Onnx.Protos;

/// <summary>The subset of onnx.proto <c>AttributeProto.AttributeType</c> this project writes (numeric values as in the spec).</summary>
public enum AttributeType
{
    /// <summary><c>UNDEFINED</c>, never valid in a model.</summary>
    Undefined = 0,

    /// <summary><c>FLOAT</c>: one float32 in field <c>f</c>.</summary>
    Float = 1,

    /// <summary><c>INT</c>: one int64 in field <c>i</c>.</summary>
    Int = 2,

    /// <summary><c>STRING</c>: UTF-8 bytes in field <c>s</c>.</summary>
    String = 3,

    /// <summary><c>INTS</c>: int64 list in field <c>ints</c>.</summary>
    Ints = 7,
}
