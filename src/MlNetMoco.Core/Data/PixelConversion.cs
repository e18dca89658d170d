using System.Numerics;

namespace MlNetMoco.Core.Data;

/// <summary>
/// The one-byte-per-value pixel encoding shared by every image store: a value v in [0, 1] is kept as
/// round(v·255) and read back as b·(1/255), which is lossless for 8-bit images. Both stores decode with the same
/// code, so the RAM and the disk store hand out bit-identical floats.
/// </summary>
internal static class PixelConversion
{
    /// <summary>Value of the brightest byte: stored byte b means b / 255.</summary>
    public const float ByteScale = 255f;

    private const float Inverse = 1f / ByteScale;

    /// <summary>Quantises one image's values (clamped to [0, 1]) into bytes.</summary>
    /// <param name="pixels">Values of one image.</param>
    /// <param name="target">As many bytes.</param>
    /// <param name="imageIndex">Index of the image, for the error message.</param>
    /// <exception cref="ArgumentException">A value is NaN or infinite.</exception>
    public static void Quantize(ReadOnlySpan<float> pixels, Span<byte> target, long imageIndex)
    {
        for (int i = 0; i < pixels.Length; i++)
        {
            float v = pixels[i];
            if (!float.IsFinite(v))
                throw new ArgumentException($"Image {imageIndex} has a non-finite value ({v}) at position {i}.", nameof(pixels));
            target[i] = (byte)Math.Clamp(MathF.Round(v * ByteScale), 0f, ByteScale);
        }
    }

    /// <summary>Decodes bytes into floats b·(1/255), vectorised where the hardware allows (same results as scalar code).</summary>
    public static void ToUnitFloats(ReadOnlySpan<byte> source, Span<float> destination)
    {
        if (destination.Length < source.Length)
            throw new ArgumentException("Destination is too small for the decoded values.", nameof(destination));
        int i = 0;
        int width = Vector<byte>.Count, lane = Vector<float>.Count;
        if (Vector.IsHardwareAccelerated && source.Length >= width)
        {
            var scale = new Vector<float>(Inverse);
            for (; i <= source.Length - width; i += width)
            {
                Vector.Widen(new Vector<byte>(source.Slice(i)), out Vector<ushort> low, out Vector<ushort> high);
                Vector.Widen(low, out Vector<uint> a, out Vector<uint> b);
                Vector.Widen(high, out Vector<uint> c, out Vector<uint> d);
                (Vector.ConvertToSingle(Vector.AsVectorInt32(a)) * scale).CopyTo(destination.Slice(i));
                (Vector.ConvertToSingle(Vector.AsVectorInt32(b)) * scale).CopyTo(destination.Slice(i + lane));
                (Vector.ConvertToSingle(Vector.AsVectorInt32(c)) * scale).CopyTo(destination.Slice(i + 2 * lane));
                (Vector.ConvertToSingle(Vector.AsVectorInt32(d)) * scale).CopyTo(destination.Slice(i + 3 * lane));
            }
        }
        for (; i < source.Length; i++) destination[i] = source[i] * Inverse;
    }
}
