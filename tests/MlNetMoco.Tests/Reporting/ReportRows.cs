using Microsoft.ML.Data;

namespace MlNetMoco.Tests.Reporting;

/// <summary>A 1×8×8 image (0..255) with a text label, for the training report's tests.</summary>
public sealed class ReportRow
{
    public string Kind { get; set; } = "";

    public int Number { get; set; }

    public bool Flag { get; set; }

    [VectorType(1, 8, 8)]
    public float[] Pixels { get; set; } = Array.Empty<float>();
}

/// <summary>A 1×4×4 image: the wrong shape for validation data next to 8×8 training images.</summary>
public sealed class SmallReportRow
{
    public string Kind { get; set; } = "";

    [VectorType(1, 4, 4)]
    public float[] Pixels { get; set; } = Array.Empty<float>();
}

/// <summary>Two classes that look different: the left half bright ("left") or the right half ("right"), with noise.</summary>
public static class ReportRows
{
    public static List<ReportRow> Create(int count, int seed = 1)
    {
        var random = new Random(seed);
        var rows = new List<ReportRow>();
        for (int n = 0; n < count; n++)
        {
            bool left = n % 2 == 0;
            var pixels = new float[64];
            for (int y = 0; y < 8; y++)
                for (int x = 0; x < 8; x++)
                    pixels[y * 8 + x] = MathF.Round(Math.Clamp(((x < 4) == left ? 200f : 50f) + (float)(random.NextDouble() * 60 - 30), 0, 255));
            rows.Add(new ReportRow { Kind = left ? "left" : "right", Number = left ? 3 : 9, Flag = left, Pixels = pixels });
        }
        return rows;
    }
}
