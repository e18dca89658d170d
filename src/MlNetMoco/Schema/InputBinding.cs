using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using MlNetMoco.Core.Data;

namespace MlNetMoco.Schema;

/// <summary>The input column found in a schema, how it is read, and the shape of its images.</summary>
/// <param name="ColumnName">The input column.</param>
/// <param name="Kind">Pixel vector or image column.</param>
/// <param name="Shape">The C×H×W shape of one image.</param>
internal sealed record InputBinding(string ColumnName, InputKind Kind, ImageShape Shape)
{
    /// <summary>
    /// The image shape a user declared (any part may be unknown), or the shape a transformer was trained on
    /// (<see cref="IsTrained"/>, all parts known).
    /// </summary>
    internal readonly record struct DeclaredShape(int? Channels, int? Height, int? Width, bool IsTrained)
    {
        public static DeclaredShape From(MoCoOptions o) => new(o.ImageChannels, o.ImageHeight, o.ImageWidth, false);

        public static DeclaredShape Trained(ImageShape s) => new(s.Channels, s.Height, s.Width, true);

        public bool Any => Channels.HasValue || Height.HasValue || Width.HasValue;

        public override string ToString()
        {
            string Part(int? v) => v?.ToString() ?? "?";
            string shape = $"{Part(Channels)}×{Part(Height)}×{Part(Width)}";
            if (IsTrained) return $"image shape {shape} ({Channels * Height * Width} values) the transformer was trained on";
            return $"image shape {shape} declared in MoCoOptions (ImageChannels×ImageHeight×ImageWidth)";
        }
    }

    /// <summary>The names of the columns the adapter writes.</summary>
    internal readonly record struct OutputNames(string? Features, string? Projection)
    {
        /// <summary>No output columns (reading images only, e.g. for the k-NN monitor).</summary>
        public static OutputNames None => new(null, null);

        public IEnumerable<(string Name, string Setting)> All()
        {
            if (Features != null) yield return (Features, "OutputColumnName");
            if (Projection != null) yield return (Projection, "ProjectionColumnName");
        }
    }

    /// <summary>
    /// Validates <paramref name="schema"/> fully (type, size, shape, output names) and returns the binding.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The schema does not fit; the message says why.</exception>
    public static InputBinding Resolve(DataViewSchema schema, string inputColumn, DeclaredShape declared, OutputNames outputs)
    {
        var column = schema.GetColumnOrNull(inputColumn)
            ?? throw SchemaErrors.Missing(inputColumn, schema.Where(c => !c.IsHidden).Select(c => c.Name));
        var type = column.Type;
        InputBinding binding;
        if (type is ImageDataViewType image)
            binding = new InputBinding(inputColumn, InputKind.Image, ImageShapeOf(inputColumn, image, image.Height, image.Width, declared));
        else if (type is VectorDataViewType vector && vector.ItemType == NumberDataViewType.Single)
        {
            if (!vector.IsKnownSize) throw SchemaErrors.UnknownSize(inputColumn, type);
            binding = new InputBinding(inputColumn, InputKind.PixelVector, VectorShapeOf(inputColumn, vector, declared));
        }
        else
            throw SchemaErrors.WrongType(inputColumn, type);

        foreach (var (name, setting) in outputs.All())
            if (schema.GetColumnOrNull(name) != null) throw SchemaErrors.OutputClash(name, setting);
        return binding;
    }

    /// <summary>
    /// Validates what a <see cref="SchemaShape"/> can tell (presence, type, known size, image size, output names);
    /// vector sizes are not part of a SchemaShape and are checked by Fit.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The schema does not fit; the message says why.</exception>
    public static void Check(SchemaShape schema, string inputColumn, DeclaredShape declared, OutputNames outputs)
    {
        if (!TryFind(schema, inputColumn, out var column))
            throw SchemaErrors.Missing(inputColumn, schema.Select(c => c.Name));
        string description = Describe(column);
        if (column.ItemType is ImageDataViewType image && column.Kind == SchemaShape.Column.VectorKind.Scalar)
            ImageShapeOf(inputColumn, image, image.Height, image.Width, declared);
        else if (column.ItemType == NumberDataViewType.Single && !column.IsKey && column.Kind != SchemaShape.Column.VectorKind.Scalar)
        {
            if (column.Kind == SchemaShape.Column.VectorKind.VariableVector) throw SchemaErrors.UnknownSize(inputColumn, description);
        }
        else
            throw SchemaErrors.WrongType(inputColumn, description);

        foreach (var (name, setting) in outputs.All())
            if (TryFind(schema, name, out _)) throw SchemaErrors.OutputClash(name, setting);
    }

    private static bool TryFind(SchemaShape schema, string name, out SchemaShape.Column column)
    {
        foreach (var c in schema)
            if (c.Name == name)
            {
                column = c;
                return true;
            }
        column = default;
        return false;
    }

    private static string Describe(SchemaShape.Column column)
    {
        string item = column.IsKey ? $"Key<{column.ItemType}>" : $"{column.ItemType}";
        return column.Kind switch
        {
            SchemaShape.Column.VectorKind.Scalar => item,
            SchemaShape.Column.VectorKind.VariableVector => $"Vector<{item}> of variable size",
            _ => $"Vector<{item}>",
        };
    }

    private static ImageShape ImageShapeOf(string columnName, DataViewType type, int typeHeight, int typeWidth, DeclaredShape declared)
    {
        if (typeHeight > 0 && declared.Height.HasValue && declared.Height != typeHeight ||
            typeWidth > 0 && declared.Width.HasValue && declared.Width != typeWidth)
            throw SchemaErrors.WrongSize(columnName, type, declared + $": the images are {typeHeight}×{typeWidth} (height×width)");
        int height = typeHeight > 0 ? typeHeight : declared.Height ?? 0;
        int width = typeWidth > 0 ? typeWidth : declared.Width ?? 0;
        if (height <= 0 || width <= 0) throw SchemaErrors.UnknownImageSize(columnName, type);
        int channels = declared.Channels ?? 3;
        if (channels is not (1 or 3))
            throw SchemaErrors.WrongSize(columnName, type, declared + ": an image column gives 3 channels (RGB) or 1 (luminance)");
        return new ImageShape(channels, height, width);
    }

    private static ImageShape VectorShapeOf(string columnName, VectorDataViewType type, DeclaredShape declared)
    {
        int size = type.Size;
        var dims = type.Dimensions;
        if (dims.Length == 3)
        {
            var fromColumn = new ImageShape(dims[0], dims[1], dims[2]);
            if (declared.Channels.HasValue && declared.Channels != fromColumn.Channels ||
                declared.Height.HasValue && declared.Height != fromColumn.Height ||
                declared.Width.HasValue && declared.Width != fromColumn.Width)
                throw SchemaErrors.WrongSize(columnName, type, declared + $": the column's dimensions are {fromColumn}");
            return fromColumn;
        }

        int? c = declared.Channels, h = declared.Height, w = declared.Width;
        if (h.HasValue && w.HasValue)
        {
            c ??= size % (h.Value * w.Value) == 0 ? size / (h.Value * w.Value) : null;
            if (c is null || c.Value * h.Value * w.Value != size)
                throw SchemaErrors.WrongSize(columnName, type, declared + $": {size} values per row is not C×{h}×{w}" +
                    (c is null ? "" : $" = {c.Value * h.Value * w.Value}"));
            return new ImageShape(c.Value, h.Value, w.Value);
        }
        if (c.HasValue && !h.HasValue && !w.HasValue)
        {
            int side = size % c.Value == 0 ? (int)Math.Round(Math.Sqrt(size / c.Value)) : 0;
            if (side > 0 && c.Value * side * side == size) return new ImageShape(c.Value, side, side);
            throw SchemaErrors.WrongSize(columnName, type, declared + $": {size} values per row is not {c} square image plane(s); set ImageHeight and ImageWidth");
        }
        if (h.HasValue || w.HasValue)
        {
            int known = (h ?? w)!.Value;
            int channels = c ?? 1;
            if (size % (channels * known) != 0)
                throw SchemaErrors.WrongSize(columnName, type, declared + $": {size} values per row is not a multiple of {channels}×{known}");
            int other = size / (channels * known);
            return h.HasValue ? new ImageShape(channels, known, other) : new ImageShape(channels, other, known);
        }
        throw SchemaErrors.UnknownShape(columnName, type, $"the column is a one-dimensional vector of {size} values and MoCoOptions declares no image shape.");
    }
}
