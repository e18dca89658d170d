namespace MlNetMoco.Core.Data;

/// <summary>
/// Images held in memory as one byte per value (pixel values in [0, 1] quantised to 1/255 steps, which is lossless
/// for 8-bit images), so that a multi-epoch pretraining reads its source once: 60,000 images of 28×28 take 47 MB.
/// One array holds them all, so at most <see cref="Array.MaxLength"/> bytes (about 2 GB); larger data goes to a
/// <see cref="MappedImageDataset"/> on disk (<see cref="ImageStoreBuilder"/> chooses).
/// </summary>
public sealed class InMemoryImageDataset : IImageDataset
{
    private byte[] _data;

    /// <summary>Creates an empty data set of images of <paramref name="shape"/>.</summary>
    /// <param name="shape">The shape of every image.</param>
    /// <param name="capacity">Number of images to reserve room for (grows as needed).</param>
    public InMemoryImageDataset(ImageShape shape, int capacity = 0)
    {
        Shape = shape.Validate();
        _data = new byte[Math.Min((long)Math.Max(capacity, 1) * shape.Size, Array.MaxLength)];
    }

    /// <inheritdoc />
    public int Count { get; private set; }

    /// <inheritdoc />
    public ImageShape Shape { get; }

    /// <summary>The stored bytes of the images added so far, image after image (C×H×W each).</summary>
    internal ReadOnlySpan<byte> Bytes => _data.AsSpan(0, Count * Shape.Size);

    /// <summary>Appends one image whose values are in [0, 1] (values outside are clamped).</summary>
    /// <exception cref="ArgumentException">The span does not hold exactly one image, or holds NaN/∞.</exception>
    /// <exception cref="InvalidOperationException">The images would exceed <see cref="Array.MaxLength"/> bytes.</exception>
    public void Add(ReadOnlySpan<float> pixels)
    {
        if (pixels.Length != Shape.Size)
            throw new ArgumentException($"An image of shape {Shape} has {Shape.Size} values, got {pixels.Length}.", nameof(pixels));
        long offset = (long)Count * Shape.Size;
        if (offset + Shape.Size > _data.LongLength)
        {
            if (offset + Shape.Size > Array.MaxLength)
                throw new InvalidOperationException(
                    $"{Count + 1} images of shape {Shape} need {offset + Shape.Size} bytes, more than one array holds ({Array.MaxLength}): store them on disk (ImageStoreBuilder, MappedImageDataset).");
            Array.Resize(ref _data, (int)Math.Min(Array.MaxLength, Math.Max(_data.LongLength * 2, offset + Shape.Size)));
        }
        PixelConversion.Quantize(pixels, _data.AsSpan((int)offset, Shape.Size), Count);
        Count++;
    }

    /// <inheritdoc />
    public void CopyImages(ReadOnlySpan<int> indices, Span<float> destination)
    {
        int size = Shape.Size;
        if (destination.Length < (long)indices.Length * size)
            throw new ArgumentException("Destination is too small for the requested images.", nameof(destination));
        for (int n = 0; n < indices.Length; n++)
        {
            int index = indices[n];
            if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(indices), $"Image index {index} is outside [0, {Count}).");
            PixelConversion.ToUnitFloats(_data.AsSpan(index * size, size), destination.Slice(n * size, size));
        }
    }
}
