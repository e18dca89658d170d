using System.Globalization;

namespace MlNetMoco.Benchmarks;

/// <summary>
/// The resident memory of this process split as Linux reports it in <c>/proc/self/status</c>: RssAnon (heap,
/// stacks, arrays: memory only this process holds), RssFile (pages of mapped files, e.g. a memory-mapped pixel store:
/// page cache the kernel can drop and re-read at any time) and VmHWM (peak of their sum). Values in bytes; null off Linux.
/// </summary>
/// <param name="RssAnon">Anonymous resident memory.</param>
/// <param name="RssFile">File-backed resident memory (mapped files).</param>
/// <param name="VmHwm">Peak resident set (anonymous + file + shared) since the start or the last reset.</param>
internal readonly record struct ProcessMemory(long RssAnon, long RssFile, long VmHwm)
{
    /// <summary>The values now, or null where /proc/self/status cannot be read.</summary>
    public static ProcessMemory? Read()
    {
        try
        {
            long anon = -1, file = -1, hwm = -1;
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("RssAnon:", StringComparison.Ordinal)) anon = Kilobytes(line);
                else if (line.StartsWith("RssFile:", StringComparison.Ordinal)) file = Kilobytes(line);
                else if (line.StartsWith("VmHWM:", StringComparison.Ordinal)) hwm = Kilobytes(line);
            }
            return anon < 0 || file < 0 || hwm < 0 ? null : new ProcessMemory(anon, file, hwm);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>Bytes as MiB.</summary>
    public static double Mib(long bytes) => bytes / (1024.0 * 1024.0);

    // "RssFile:\t10485760 kB": a tab, sometimes spaces, the number, the unit.
    private static long Kilobytes(string line) =>
        long.Parse(line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
}

/// <summary>Samples <see cref="ProcessMemory"/> on a timer and keeps the largest values seen.</summary>
internal sealed class MemorySampler : IDisposable
{
    private readonly Timer _timer;
    private readonly object _gate = new();
    private long _peakAnon, _peakFile;
    private int _samples;

    public MemorySampler(TimeSpan interval)
    {
        Sample();
        _timer = new Timer(_ => Sample(), null, interval, interval);
    }

    /// <summary>Largest RssAnon seen, in bytes.</summary>
    public long PeakAnon { get { lock (_gate) return _peakAnon; } }

    /// <summary>Largest RssFile seen, in bytes.</summary>
    public long PeakFile { get { lock (_gate) return _peakFile; } }

    /// <summary>Number of samples taken.</summary>
    public int Samples { get { lock (_gate) return _samples; } }

    /// <summary>Takes a sample now (also called by the timer).</summary>
    public void Sample()
    {
        if (ProcessMemory.Read() is not { } now) return;
        lock (_gate)
        {
            _peakAnon = Math.Max(_peakAnon, now.RssAnon);
            _peakFile = Math.Max(_peakFile, now.RssFile);
            _samples++;
        }
    }

    public void Dispose()
    {
        _timer.Dispose();
        Sample();
    }
}
