using Google.Protobuf;

namespace MlNetMoco.Core.Onnx.Protos;

/// <summary>onnx.proto <c>TypeProto</c>; only the <c>tensor_type</c> member of the <c>value</c> oneof is modelled.</summary>
public sealed class TypeProto : IOnnxProtoMessage
{
    private const int TensorTypeField = 1;

    /// <summary>Creates a tensor type.</summary>
    public TypeProto(Tensor tensorType) => TensorType = tensorType;

    /// <summary>Field 1, <c>tensor_type</c>.</summary>
    public Tensor TensorType { get; set; }

    /// <summary>A tensor type of <paramref name="elementType"/> with the given dimensions.</summary>
    public static TypeProto TensorOf(TensorDataType elementType, IEnumerable<TensorShapeProto.Dimension> dims) =>
        new(new Tensor(elementType, TensorShapeProto.Of(dims)));

    /// <inheritdoc />
    public int CalculateSize() => ProtoWire.MessageSize(TensorTypeField, TensorType);

    /// <inheritdoc />
    public void WriteTo(CodedOutputStream output) => ProtoWire.WriteMessage(output, TensorTypeField, TensorType);

    /// <summary>onnx.proto <c>TypeProto.Tensor</c>: element type and (optional) shape.</summary>
    public sealed class Tensor : IOnnxProtoMessage
    {
        private const int ElemTypeField = 1;
        private const int ShapeField = 2;

        /// <summary>Creates a tensor type; a <see langword="null"/> shape means "rank unknown".</summary>
        public Tensor(TensorDataType elemType, TensorShapeProto? shape)
        {
            ElemType = elemType;
            Shape = shape;
        }

        /// <summary>Field 1, <c>elem_type</c> (a <c>TensorProto.DataType</c> value).</summary>
        public TensorDataType ElemType { get; set; }

        /// <summary>Field 2, <c>shape</c>, or <see langword="null"/> when absent.</summary>
        public TensorShapeProto? Shape { get; set; }

        /// <inheritdoc />
        public int CalculateSize() => checked(ProtoWire.Int32Size(ElemTypeField, (int)ElemType) + ProtoWire.MessageSize(ShapeField, Shape));

        /// <inheritdoc />
        public void WriteTo(CodedOutputStream output)
        {
            ProtoWire.WriteInt32(output, ElemTypeField, (int)ElemType);
            ProtoWire.WriteMessage(output, ShapeField, Shape);
        }
    }
}
