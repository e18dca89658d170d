using Google.Protobuf;

namespace MlNetMoco.Core.Onnx.Protos;

/// <summary>onnx.proto <c>TensorShapeProto</c>: a list of dimensions, each fixed (<c>dim_value</c>) or symbolic (<c>dim_param</c>).</summary>
public sealed class TensorShapeProto : IOnnxProtoMessage
{
    private const int DimField = 1;

    /// <summary>Field 1, <c>dim</c>.</summary>
    public List<Dimension> Dim { get; } = new();

    /// <summary>A shape of the given dimensions.</summary>
    public static TensorShapeProto Of(IEnumerable<Dimension> dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.AddRange(dims);
        return shape;
    }

    /// <inheritdoc />
    public int CalculateSize() => ProtoWire.RepeatedMessageSize(DimField, Dim);

    /// <inheritdoc />
    public void WriteTo(CodedOutputStream output) => ProtoWire.WriteRepeatedMessage(output, DimField, Dim);

    /// <summary>onnx.proto <c>TensorShapeProto.Dimension</c>: the <c>value</c> oneof holds either a size or a symbol.</summary>
    public sealed class Dimension : IOnnxProtoMessage
    {
        private const int DimValueField = 1;
        private const int DimParamField = 2;

        private Dimension(long? value, string? param)
        {
            DimValue = value;
            DimParam = param;
        }

        /// <summary>Field 1, <c>dim_value</c> (fixed size), or <see langword="null"/> for a symbolic dimension.</summary>
        public long? DimValue { get; }

        /// <summary>Field 2, <c>dim_param</c> (symbol such as "N"), or <see langword="null"/> for a fixed dimension.</summary>
        public string? DimParam { get; }

        /// <summary>A fixed dimension of size <paramref name="value"/> (≥ 0).</summary>
        public static Dimension Fixed(long value)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            return new Dimension(value, null);
        }

        /// <summary>A symbolic dimension named <paramref name="name"/>; equal names denote equal sizes within a model.</summary>
        public static Dimension Symbolic(string name)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(name);
            return new Dimension(null, name);
        }

        /// <inheritdoc />
        public int CalculateSize() =>
            DimValue is long v ? ProtoWire.Int64Size(DimValueField, v) : ProtoWire.StringSize(DimParamField, DimParam);

        /// <inheritdoc />
        public void WriteTo(CodedOutputStream output)
        {
            if (DimValue is long v) ProtoWire.WriteInt64(output, DimValueField, v);
            else ProtoWire.WriteString(output, DimParamField, DimParam);
        }

        /// <inheritdoc />
        public override string ToString() => DimValue?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? DimParam!;
    }
}
