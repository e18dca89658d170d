using System.Diagnostics;
using System.Globalization;

namespace MlNetMoco.Benchmarks;

/// <summary>
/// Watches the resources of one case while it runs: working set at the start, peak working set and peak CUDA
/// memory at the capture point (<see cref="CapturePeak"/>, by default the end of the case), CPU time and wall time.
/// </summary>
internal sealed class CaseContext : IDisposable
{
    private readonly BenchmarkCase _case;
    private readonly bool _inProcess;
    private readonly long _baseWorkingSet;
    private readonly TimeSpan _cpuStart;
    private readonly Stopwatch _wall = Stopwatch.StartNew();
    private readonly CudaMemorySampler? _cuda;
    private long? _peakWorkingSet;
    private long? _cudaPeak;

    public CaseContext(BenchmarkCase benchmarkCase, BenchmarkSettings settings, bool inProcess)
    {
        _case = benchmarkCase;
        _inProcess = inProcess;
        using var self = Process.GetCurrentProcess();
        _baseWorkingSet = self.WorkingSet64;
        _cpuStart = self.TotalProcessorTime;
        _cuda = CudaMemorySampler.TryStart(settings.IsCuda);
    }

    /// <summary>
    /// Starts the case's main phase: forgets the memory peaks so far (Linux: writes 5 to /proc/self/clear_refs, which
    /// resets VmHWM to the current resident set), so that a preparatory phase (e.g. a bare measurement taken before the
    /// main one) does not count. Without that file the peak keeps counting from the process start.
    /// </summary>
    public void BeginMainPhase()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log($"cannot reset the peak working set ({e.Message}); the peak counts from the process start");
        }
        _cuda?.ResetPeak();
    }

    /// <summary>
    /// Records the peak working set (and CUDA memory) now: call it at the end of the case's main phase when later
    /// phases (e.g. the bare reference) should not count. The first call wins.
    /// </summary>
    public void CapturePeak()
    {
        if (_peakWorkingSet is not null) return;
        using var self = Process.GetCurrentProcess();
        _peakWorkingSet = self.PeakWorkingSet64;
        _cudaPeak = _cuda?.PeakBytes;
    }

    /// <summary>Writes a progress line to stderr (the table goes to stdout).</summary>
    public void Log(string message) => Console.Error.WriteLine($"    [{_case.Id}] {message}");

    /// <summary>The result of the case with <paramref name="rows"/> and the resources used.</summary>
    public CaseResult Finish(IReadOnlyList<ResultRow> rows)
    {
        CapturePeak();
        using var self = Process.GetCurrentProcess();
        double wall = _wall.Elapsed.TotalSeconds;
        double cores = (self.TotalProcessorTime - _cpuStart).TotalSeconds / Math.Max(wall, 1e-9);
        Log(string.Create(CultureInfo.InvariantCulture, $"done in {wall:0.0} s, {cores:0.00} cores busy on average"));
        return new CaseResult(_case.Id, _case.Title, rows, _baseWorkingSet, _peakWorkingSet ?? 0, _cudaPeak, cores, wall,
            InProcess: _inProcess);
    }

    /// <inheritdoc />
    public void Dispose() => _cuda?.Dispose();
}
