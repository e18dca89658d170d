using Microsoft.ML.Data;

namespace MlNetMoco.Tests.TestSupport;

/// <summary>A labelled 1×8×8 image in ExtractPixels' range (0..255), for LoadFromEnumerable.</summary>
public sealed class PixelRow
{
    public float Label { get; set; }

    [VectorType(1, 8, 8)]
    public float[] Pixels { get; set; } = Array.Empty<float>();
}

/// <summary>The same image as a one-dimensional vector (no shape in the column type).</summary>
public sealed class FlatPixelRow
{
    public float Label { get; set; }

    [VectorType(64)]
    public float[] Pixels { get; set; } = Array.Empty<float>();
}

/// <summary>What PredictionEngine / CreateEnumerable read back.</summary>
public sealed class FeatureRow
{
    public float Label { get; set; }

    public float[] Features { get; set; } = Array.Empty<float>();
}

/// <summary>Small images of three classes (horizontal stripes, vertical stripes, checkerboard) with random phase and noise.</summary>
public static class SyntheticImages
{
    public const int Side = 8;
    public const int Size = Side * Side;

    public static float[] Image(int label, Random random)
    {
        var pixels = new float[Size];
        int phase = random.Next(2);
        for (int y = 0; y < Side; y++)
            for (int x = 0; x < Side; x++)
            {
                bool on = label switch
                {
                    0 => (y + phase) % 2 == 0,
                    1 => (x + phase) % 2 == 0,
                    _ => (x + y + phase) % 2 == 0,
                };
                float value = (on ? 200f : 40f) + (float)(random.NextDouble() * 30 - 15);
                pixels[y * Side + x] = MathF.Round(Math.Clamp(value, 0f, 255f));
            }
        return pixels;
    }

    public static List<PixelRow> Rows(int count, int seed = 1)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(i => new PixelRow { Label = i % 3, Pixels = Image(i % 3, random) }).ToList();
    }

    public static List<FlatPixelRow> FlatRows(int count, int seed = 1) =>
        Rows(count, seed).Select(r => new FlatPixelRow { Label = r.Label, Pixels = r.Pixels }).ToList();
}
