namespace MlNetMoco.Core.Onnx.Protos;

/// <summary>Factories of the generated <c>TypeProto</c> (onnx_ir_subset.proto).</summary>
public sealed partial class TypeProto
{
    /// <summary>A tensor type of <paramref name="elementType"/> with the given dimensions.</summary>
    public static TypeProto TensorOf(TensorProto.Types.DataType elementType, IEnumerable<TensorShapeProto.Types.Dimension> dims) =>
        new() { TensorType = new Types.Tensor { ElemType = (int)elementType, Shape = TensorShapeProto.Of(dims) } };
}
