using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetMoco.Logging;
using MlNetMoco.Schema;

namespace MlNetMoco.Data;

/// <summary>
/// Reads the input column of the current row of a <see cref="DataViewRow"/> as C×H×W floats in [0, 1]: pixel
/// vectors are divided by the input scale, images are read as 8-bit RGB (or luminance) and divided by 255. Rejects
/// NaN/∞ (naming the row), clamps values outside the range and warns once about them through the log. A row whose
/// value the data view cannot produce (its getter throws, e.g. a corrupt file behind <c>LoadImages</c>, or it
/// gives no image) raises <see cref="UnreadableRowException"/>.
/// </summary>
internal sealed class PixelRowReader
{
    private readonly DataViewRow _row;
    private readonly InputBinding _binding;
    private readonly ValueGetter<VBuffer<float>>? _vectorGetter;
    private readonly ValueGetter<MLImage>? _imageGetter;
    private readonly float _inverseScale;
    private readonly float _inputScale;
    private readonly OnceFlag _rangeWarning;
    private readonly MoCoLog _log;
    private VBuffer<float> _vector;
    private MLImage? _image;

    /// <param name="row">The row or cursor to read (its input column must be active).</param>
    /// <param name="binding">The input column and image shape.</param>
    /// <param name="inputScale">Full-intensity value of a pixel vector.</param>
    /// <param name="rangeWarning">Shared flag so a warning about out-of-range values is given once.</param>
    /// <param name="log">Where the warning goes.</param>
    public PixelRowReader(DataViewRow row, InputBinding binding, float inputScale, OnceFlag rangeWarning, MoCoLog log)
    {
        _row = row;
        _binding = binding;
        _inputScale = inputScale;
        _inverseScale = 1f / inputScale;
        _rangeWarning = rangeWarning;
        _log = log;
        var column = row.Schema[binding.ColumnName];
        if (binding.Kind == InputKind.Image) _imageGetter = row.GetGetter<MLImage>(column);
        else _vectorGetter = row.GetGetter<VBuffer<float>>(column);
    }

    /// <summary>Largest raw value read so far (pixel vectors only), to spot a scale that looks wrong.</summary>
    public float MaxRawValue { get; private set; } = float.NegativeInfinity;

    /// <summary>Reads the current row into <paramref name="destination"/> (C·H·W values in [0, 1]).</summary>
    /// <exception cref="UnreadableRowException">The data view cannot produce the row's value (its getter failed, or no image).</exception>
    /// <exception cref="ArgumentException">The row holds NaN/∞, has the wrong size, or its image has the wrong size or pixel format.</exception>
    public void Read(Span<float> destination)
    {
        var shape = _binding.Shape;
        destination = destination[..shape.Size];
        if (_imageGetter != null) ReadImage(destination);
        else ReadVector(destination);
    }

    private void ReadImage(Span<float> destination)
    {
        var shape = _binding.Shape;
        // The image belongs to the row's producer (a loader, a resizer, or the caller's own object): it is read, not disposed.
        try
        {
            _imageGetter!(ref _image!);
        }
        catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
        {
            throw new UnreadableRowException(_row.Position, _binding.ColumnName, e.Message, e);
        }
        if (_image is null)
            throw new UnreadableRowException(_row.Position, _binding.ColumnName, "it holds no image (an empty path, or a missing or unreadable file?)");
        try
        {
            ImagePixels.ToChannelMajor(_image, shape.Channels, shape.Height, shape.Width, 1f / 255f, destination);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"Row {_row.Position} of image column '{_binding.ColumnName}': {e.Message}", e);
        }
    }

    private void ReadVector(Span<float> destination)
    {
        try
        {
            _vectorGetter!(ref _vector);
        }
        catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
        {
            // e.g. ExtractPixels over LoadImages: the file behind this row is corrupt, missing or not an image.
            throw new UnreadableRowException(_row.Position, _binding.ColumnName, e.Message, e);
        }
        if (_vector.Length != destination.Length)
            throw new ArgumentException($"Row {_row.Position} of column '{_binding.ColumnName}' has {_vector.Length} values; {destination.Length} ({_binding.Shape}) were expected.");
        destination.Clear();
        var values = _vector.GetValues();
        if (_vector.IsDense)
            ScaleInto(values, destination, default);
        else
            ScaleInto(values, destination, _vector.GetIndices());
    }

    private void ScaleInto(ReadOnlySpan<float> values, Span<float> destination, ReadOnlySpan<int> indices)
    {
        bool outOfRange = false;
        float max = MaxRawValue;
        float outlier = 0;
        for (int i = 0; i < values.Length; i++)
        {
            float v = values[i];
            int position = indices.IsEmpty ? i : indices[i];
            if (!float.IsFinite(v))
                throw new ArgumentException($"Row {_row.Position} of column '{_binding.ColumnName}' has a non-finite value ({v}) at position {position}; remove or repair that row.");
            if (v > max) max = v;
            if (v < 0 || v > _inputScale)
            {
                if (!outOfRange) outlier = v;
                outOfRange = true;
                v = Math.Clamp(v, 0, _inputScale);
            }
            destination[position] = v * _inverseScale;
        }
        MaxRawValue = max;
        if (outOfRange && _rangeWarning.TrySet())
            _log.Warning($"Column '{_binding.ColumnName}' has values outside [0, {_inputScale}] (InputScale), first at row {_row.Position} ({outlier}); " +
                         "they are clamped. Set MoCoOptions.InputScale to the pixel range of the column (255 for ExtractPixels' default, 1 for [0, 1]).");
    }
}
