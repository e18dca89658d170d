namespace MlNetMoco.Benchmarks;

/// <summary>The figures of one case and the resources its process used.</summary>
/// <param name="Id">The case id.</param>
/// <param name="Title">The case title.</param>
/// <param name="Rows">The figures.</param>
/// <param name="BaseWorkingSetBytes">Working set when the case started (runtime and libtorch loaded, no data yet).</param>
/// <param name="PeakWorkingSetBytes">Peak working set (VmHWM) of the process at the case's capture point (end of its main phase).</param>
/// <param name="CudaPeakBytes">Peak CUDA memory seen by nvidia-smi during the main phase; null on the CPU or without nvidia-smi.</param>
/// <param name="CpuCores">Process CPU time / wall time over the case: how many cores it actually got.</param>
/// <param name="WallSeconds">Wall time of the case.</param>
/// <param name="Error">Why the case failed, or null.</param>
/// <param name="InProcess">True when the case ran in the parent process (peaks then include earlier cases).</param>
internal sealed record CaseResult(
    string Id,
    string Title,
    IReadOnlyList<ResultRow> Rows,
    long BaseWorkingSetBytes,
    long PeakWorkingSetBytes,
    long? CudaPeakBytes,
    double CpuCores,
    double WallSeconds,
    string? Error = null,
    bool InProcess = false)
{
    /// <summary>1-minute load average just before the case started (filled in by the parent).</summary>
    public double LoadBefore { get; init; } = double.NaN;

    /// <summary>1-minute load average just after the case ended (filled in by the parent).</summary>
    public double LoadAfter { get; init; } = double.NaN;

    /// <summary>A result for a case that failed before producing figures.</summary>
    public static CaseResult Failed(string id, string title, string error) =>
        new(id, title, Array.Empty<ResultRow>(), 0, 0, null, double.NaN, double.NaN, error);
}
