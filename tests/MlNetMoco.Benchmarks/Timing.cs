using System.Globalization;

namespace MlNetMoco.Benchmarks;

/// <summary>Timed runs of one measurement, in seconds.</summary>
/// <param name="Samples">Duration of each timed run.</param>
internal sealed record Timing(IReadOnlyList<double> Samples)
{
    /// <summary>Median duration (the figure reported).</summary>
    public double Median => Harness.Median(Samples);

    /// <summary>Shortest run.</summary>
    public double Min => Samples.Count == 0 ? double.NaN : Samples.Min();

    /// <summary>Longest run.</summary>
    public double Max => Samples.Count == 0 ? double.NaN : Samples.Max();

    /// <summary>Items per second at the median duration.</summary>
    public double Rate(double itemsPerRun) => Samples.Count == 0 || Median <= 0 ? double.NaN : itemsPerRun / Median;

    /// <summary>Every sample in milliseconds, for the progress log.</summary>
    public string SamplesText() => string.Join(" ", Samples.Select(s => (s * 1e3).ToString("0.#", CultureInfo.InvariantCulture))) + " ms";

    /// <summary>"n=5, ±4%": the number of runs and the half-range around the median, for the notes column.</summary>
    public string Describe() => Samples.Count == 0
        ? "no samples"
        : string.Create(CultureInfo.InvariantCulture, $"n={Samples.Count}, {Median * 1e3:0.#} ms/run, range ±{(Max - Min) / 2 / Median * 100:0}%");
}
