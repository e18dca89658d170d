using System.Diagnostics;
using System.Globalization;

namespace MlNetMoco.Benchmarks;

/// <summary>
/// Peak CUDA memory of this process, sampled with <c>nvidia-smi</c> every few hundred milliseconds (TorchSharp 0.107
/// exposes no allocator statistics). The figure is what the driver sees: the CUDA context plus libtorch's caching
/// allocator (reserved, not only allocated, memory). When nvidia-smi lists no process with this pid (containers
/// with their own pid namespace), the device-wide used memory minus its value when sampling started is used.
/// </summary>
internal sealed class CudaMemorySampler : IDisposable
{
    private const int IntervalMilliseconds = 250;

    private readonly int _pid = Environment.ProcessId;
    private readonly long _deviceBaselineMiB;
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private long _peakBytes = -1;

    private CudaMemorySampler(long deviceBaselineMiB)
    {
        _deviceBaselineMiB = deviceBaselineMiB;
        _thread = new Thread(Loop) { IsBackground = true, Name = "cuda-memory-sampler" };
        _thread.Start();
    }

    /// <summary>Starts sampling on a CUDA run; null on the CPU or when nvidia-smi cannot be run.</summary>
    public static CudaMemorySampler? TryStart(bool cuda)
    {
        if (!cuda) return null;
        var baseline = Query("--query-gpu=memory.used")?.Select(fields => fields[0]).DefaultIfEmpty(0).Sum();
        return baseline is null ? null : new CudaMemorySampler(baseline.Value);
    }

    /// <summary>The largest value sampled since the start or the last <see cref="ResetPeak"/>, in bytes; null before the first sample.</summary>
    public long? PeakBytes
    {
        get
        {
            Sample();
            long peak = Interlocked.Read(ref _peakBytes);
            return peak < 0 ? null : peak;
        }
    }

    /// <summary>Forgets the peak so far.</summary>
    public void ResetPeak() => Interlocked.Exchange(ref _peakBytes, -1);

    /// <inheritdoc />
    public void Dispose()
    {
        _stop.Cancel();
        _thread.Join();
        _stop.Dispose();
    }

    private void Loop()
    {
        while (!_stop.IsCancellationRequested)
        {
            Sample();
            _stop.Token.WaitHandle.WaitOne(IntervalMilliseconds);
        }
    }

    private void Sample()
    {
        if (UsedMiB() is { } used) RaisePeak(used * 1024 * 1024);
    }

    // This process's CUDA memory in MiB (its compute apps' total; failing that, the devices' use above the baseline),
    // or null when nvidia-smi cannot be queried.
    private long? UsedMiB()
    {
        long? used = null;
        var apps = Query("--query-compute-apps=pid,used_memory");
        if (apps is not null)
            foreach (var fields in apps)
                if (fields.Length == 2 && fields[0] == _pid)
                    used = (used ?? 0) + fields[1];
        if (used is not null) return used;
        var device = Query("--query-gpu=memory.used");
        return device is null ? null : Math.Max(0, device.Select(f => f[0]).DefaultIfEmpty(0).Sum() - _deviceBaselineMiB);
    }

    private void RaisePeak(long bytes)
    {
        long seen = Interlocked.Read(ref _peakBytes);
        while (bytes > seen)
        {
            long previous = Interlocked.CompareExchange(ref _peakBytes, bytes, seen);
            if (previous == seen) break;
            seen = previous;
        }
    }

    // Runs nvidia-smi with a query; each output line as numbers (MiB for memory), or null when it cannot be run.
    private static List<long[]>? Query(string query)
    {
        try
        {
            var start = new ProcessStartInfo("nvidia-smi", [query, "--format=csv,noheader,nounits"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            using var process = Process.Start(start);
            if (process is null) return null;
            string output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0) return null;
            var lines = new List<long[]>();
            foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var fields = line.Split(',', StringSplitOptions.TrimEntries);
                var numbers = new long[fields.Length];
                bool ok = true;
                for (int i = 0; i < fields.Length && ok; i++)
                    ok = long.TryParse(fields[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out numbers[i]);
                if (ok) lines.Add(numbers);
            }
            return lines;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
        {
            return null;
        }
    }
}
