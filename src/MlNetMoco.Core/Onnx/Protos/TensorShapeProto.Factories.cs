namespace MlNetMoco.Core.Onnx.Protos;

/// <summary>Factories of the generated <c>TensorShapeProto</c> (onnx_ir_subset.proto) and its dimensions.</summary>
public sealed partial class TensorShapeProto
{
    /// <summary>A shape of the given dimensions, outermost first.</summary>
    public static TensorShapeProto Of(IEnumerable<Types.Dimension> dims)
    {
        ArgumentNullException.ThrowIfNull(dims);
        var shape = new TensorShapeProto();
        shape.Dim.AddRange(dims);
        return shape;
    }

    /// <summary>Container of the generated nested types.</summary>
    public static partial class Types
    {
        /// <summary>Factories of <c>TensorShapeProto.Dimension</c>: the <c>value</c> oneof holds a size or a symbol.</summary>
        public sealed partial class Dimension
        {
            /// <summary>A fixed dimension of size <paramref name="value"/> (≥ 0).</summary>
            public static Dimension Fixed(long value)
            {
                ArgumentOutOfRangeException.ThrowIfNegative(value);
                return new Dimension { DimValue = value };
            }

            /// <summary>A symbolic dimension named <paramref name="name"/>; equal names denote equal sizes within a model.</summary>
            public static Dimension Symbolic(string name)
            {
                ArgumentException.ThrowIfNullOrWhiteSpace(name);
                return new Dimension { DimParam = name };
            }
        }
    }
}
