using System.Diagnostics;
using System.Globalization;

namespace MlNetMoco.Benchmarks;

/// <summary>
/// How many cores this process kept busy over a phase (process CPU time / wall time). On a shared machine it tells
/// whether a figure was taken with the cores to itself (≈ torch's thread count) or while other work competed.
/// </summary>
internal readonly struct CpuMeter
{
    private readonly TimeSpan _cpu;
    private readonly long _start;

    private CpuMeter(TimeSpan cpu, long start)
    {
        _cpu = cpu;
        _start = start;
    }

    /// <summary>Starts measuring now.</summary>
    public static CpuMeter Start()
    {
        using var self = Process.GetCurrentProcess();
        return new CpuMeter(self.TotalProcessorTime, Stopwatch.GetTimestamp());
    }

    /// <summary>Average number of busy cores since <see cref="Start"/>.</summary>
    public double Cores
    {
        get
        {
            using var self = Process.GetCurrentProcess();
            double wall = Stopwatch.GetElapsedTime(_start).TotalSeconds;
            return (self.TotalProcessorTime - _cpu).TotalSeconds / Math.Max(wall, 1e-9);
        }
    }

    /// <summary>"1.85 cores".</summary>
    public string Describe() => Cores.ToString("0.00", CultureInfo.InvariantCulture) + " cores";
}
