using SkiaSharp;

namespace MlNetMoco.Tests.TestSupport;

/// <summary>Small generated PNG files, and files that only pretend to be PNGs.</summary>
public static class PngFiles
{
    /// <summary>The colour of generated image <paramref name="index"/>: distinct per image, so stored images can be told apart.</summary>
    public static (byte R, byte G, byte B) Colour(int index) => ((byte)(10 + 15 * index), (byte)(200 - 7 * index), (byte)(3 * index));

    /// <summary>Writes a solid <paramref name="side"/>×<paramref name="side"/> PNG of <see cref="Colour"/>(index) to <paramref name="path"/>.</summary>
    public static void WriteSolid(string path, int index, int side = 8)
    {
        var (r, g, b) = Colour(index);
        using var bitmap = new SKBitmap(side, side, SKColorType.Rgba8888, SKAlphaType.Opaque);
        bitmap.Erase(new SKColor(r, g, b));
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, data.ToArray());
    }

    /// <summary>Writes bytes that are not an image under a .png name.</summary>
    public static void WriteGarbage(string path) =>
        File.WriteAllBytes(path, Enumerable.Range(0, 300).Select(i => (byte)(i * 37 + 11)).ToArray());
}
