namespace MlNetMoco.Benchmarks;

/// <summary>
/// One row of the benchmark's ML.NET input: a C×H×W pixel vector in [0, 255] (ExtractPixels' layout). The vector
/// size is set at run time through a schema definition (<see cref="PixelDataView.Create"/>).
/// </summary>
public sealed class PixelRow
{
    /// <summary>The pixels, channel-major, values in [0, 255].</summary>
    public float[] Pixels { get; set; } = [];
}
