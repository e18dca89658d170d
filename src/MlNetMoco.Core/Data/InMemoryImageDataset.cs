namespace MlNetMoco.Core.Data;

/// <summary>
/// Images held in memory as one byte per value (pixel values in [0, 1] quantised to 1/255 steps, which is lossless
/// for 8-bit images), so that a multi-epoch pretraining reads its source once: 60,000 images of 28×28 take 47 MB.
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
        _data = new byte[(long)Math.Max(capacity, 1) * shape.Size];
    }

    /// <inheritdoc />
    public int Count { get; private set; }

    /// <inheritdoc />
    public ImageShape Shape { get; }

    /// <summary>Appends one image whose values are in [0, 1] (values outside are clamped).</summary>
    /// <exception cref="ArgumentException">The span does not hold exactly one image, or holds NaN/∞.</exception>
    public void Add(ReadOnlySpan<float> pixels)
    {
        if (pixels.Length != Shape.Size)
            throw new ArgumentException($"An image of shape {Shape} has {Shape.Size} values, got {pixels.Length}.", nameof(pixels));
        long offset = (long)Count * Shape.Size;
        if (offset + Shape.Size > _data.LongLength)
            Array.Resize(ref _data, (int)Math.Min(Array.MaxLength, Math.Max(_data.LongLength * 2, offset + Shape.Size)));
        var target = _data.AsSpan((int)offset, Shape.Size);
        for (int i = 0; i < pixels.Length; i++)
        {
            float v = pixels[i];
            if (!float.IsFinite(v))
                throw new ArgumentException($"Image {Count} has a non-finite value ({v}) at position {i}.", nameof(pixels));
            target[i] = (byte)Math.Clamp(MathF.Round(v * 255f), 0f, 255f);
        }
        Count++;
    }

    /// <inheritdoc />
    public void CopyImages(ReadOnlySpan<int> indices, Span<float> destination)
    {
        int size = Shape.Size;
        if (destination.Length < indices.Length * size)
            throw new ArgumentException("Destination is too small for the requested images.", nameof(destination));
        const float inv = 1f / 255f;
        for (int n = 0; n < indices.Length; n++)
        {
            int index = indices[n];
            if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(indices), $"Image index {index} is outside [0, {Count}).");
            var source = _data.AsSpan(index * size, size);
            var target = destination.Slice(n * size, size);
            for (int i = 0; i < size; i++) target[i] = source[i] * inv;
        }
    }
}
