using MlNetMoco.Core.Data;

namespace MlNetMoco.Benchmarks;

/// <summary>Seeded random 8-bit images: throughput does not depend on the pixel values, only on the shapes.</summary>
internal static class RandomImages
{
    /// <summary><paramref name="count"/> random images of <paramref name="shape"/> in an <see cref="InMemoryImageDataset"/>.</summary>
    public static InMemoryImageDataset Dataset(ImageShape shape, int count, int seed = 0)
    {
        var random = new Random(seed);
        var data = new InMemoryImageDataset(shape, count);
        var bytes = new byte[shape.Size];
        var pixels = new float[shape.Size];
        for (int n = 0; n < count; n++)
        {
            random.NextBytes(bytes);
            for (int i = 0; i < bytes.Length; i++) pixels[i] = bytes[i] * (1f / 255f);
            data.Add(pixels);
        }
        return data;
    }

    /// <summary>
    /// <paramref name="count"/> random images as C×H×W vectors with integer values in [0, 255], as ML.NET's
    /// <c>ExtractPixels</c> writes them with its defaults.
    /// </summary>
    public static float[][] PixelRows(ImageShape shape, int count, int seed = 0)
    {
        var random = new Random(seed);
        var bytes = new byte[shape.Size];
        var rows = new float[count][];
        for (int n = 0; n < count; n++)
        {
            random.NextBytes(bytes);
            var row = new float[shape.Size];
            for (int i = 0; i < bytes.Length; i++) row[i] = bytes[i];
            rows[n] = row;
        }
        return rows;
    }

    /// <summary>The rows of <see cref="PixelRows"/> scaled to [0, 1], one after another (the input of <c>TrainedEncoder.Extract</c>).</summary>
    public static float[] Concatenate01(IReadOnlyList<float[]> rows)
    {
        int size = rows.Count == 0 ? 0 : rows[0].Length;
        var all = new float[(long)rows.Count * size];
        for (int n = 0; n < rows.Count; n++)
        {
            var target = all.AsSpan(n * size, size);
            var source = rows[n];
            for (int i = 0; i < size; i++) target[i] = source[i] * (1f / 255f);
        }
        return all;
    }
}
