using Microsoft.ML.Data;

namespace MlNetMoco.Data;

/// <summary>
/// Converts an <see cref="MLImage"/> to channel-major floats, the layout and values of <c>ExtractPixels</c> with its
/// defaults (R, G, B planes, no alpha, <c>interleavePixelColors: false</c>, values 0..255), times a scale.
/// </summary>
internal static class ImagePixels
{
    /// <summary>Luminance weights of <c>ConvertToGrayscale</c> (ITU-R BT.601, rounded as in ML.NET).</summary>
    private const float RedWeight = 0.3f, BlueWeight = 0.11f; // green: 1 − 0.3 − 0.11 = 0.59

    /// <summary>
    /// Writes the image as <paramref name="channels"/> planes (3: R, G, B; 1: luminance) of height·width values,
    /// each 8-bit value multiplied by <paramref name="scale"/>.
    /// </summary>
    /// <exception cref="ArgumentException">Unknown pixel format, wrong size or channel count.</exception>
    public static void ToChannelMajor(MLImage image, int channels, int height, int width, float scale, Span<float> destination)
    {
        if (image.Height != height || image.Width != width)
            throw new ArgumentException($"The image is {image.Height}×{image.Width} (height×width) but {height}×{width} was expected; add ResizeImages before MoCo.");
        int red, green, blue;
        switch (image.PixelFormat)
        {
            case MLPixelFormat.Bgra32: (blue, green, red) = (0, 1, 2); break;
            case MLPixelFormat.Rgba32: (red, green, blue) = (0, 1, 2); break;
            default: throw new ArgumentException($"Pixel format {image.PixelFormat} is not supported: expected Bgra32 or Rgba32.");
        }
        int bytesPerPixel = image.BitsPerPixel / 8;
        var pixels = image.Pixels;
        int plane = height * width;
        if (bytesPerPixel < 3 || pixels.Length < plane * bytesPerPixel)
            throw new ArgumentException($"The image holds {pixels.Length} bytes at {image.BitsPerPixel} bits per pixel, too few for {height}×{width} pixels.");
        if (destination.Length < channels * plane)
            throw new ArgumentException("Destination is too small for the image.", nameof(destination));

        int rowBytes = pixels.Length / height;
        for (int y = 0; y < height; y++)
        {
            var row = pixels.Slice(y * rowBytes, width * bytesPerPixel);
            int o = y * width;
            if (channels == 3)
            {
                for (int x = 0; x < width; x++)
                {
                    var p = row.Slice(x * bytesPerPixel, bytesPerPixel);
                    destination[o + x] = p[red] * scale;
                    destination[plane + o + x] = p[green] * scale;
                    destination[2 * plane + o + x] = p[blue] * scale;
                }
            }
            else if (channels == 1)
            {
                for (int x = 0; x < width; x++)
                {
                    var p = row.Slice(x * bytesPerPixel, bytesPerPixel);
                    // 0.3·R + 0.59·G + 0.11·B, written so that a gray pixel (R = G = B) gives exactly its value.
                    int g = p[green];
                    destination[o + x] = (g + RedWeight * (p[red] - g) + BlueWeight * (p[blue] - g)) * scale;
                }
            }
            else
                throw new ArgumentException($"An image gives 3 channels (RGB) or 1 (luminance), not {channels}.", nameof(channels));
        }
    }
}
