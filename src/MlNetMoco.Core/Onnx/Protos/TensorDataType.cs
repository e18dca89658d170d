namespace MlNetMoco.Core.Onnx.Protos;

/// <summary>The subset of onnx.proto <c>TensorProto.DataType</c> this project writes (numeric values as in the spec).</summary>
public enum TensorDataType
{
    /// <summary><c>UNDEFINED</c>, never valid in a model.</summary>
    Undefined = 0,

    /// <summary><c>FLOAT</c>: IEEE 754 float32.</summary>
    Float = 1,

    /// <summary><c>INT64</c>: signed 64-bit integer.</summary>
    Int64 = 7,
}
