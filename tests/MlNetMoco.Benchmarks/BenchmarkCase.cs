namespace MlNetMoco.Benchmarks;

/// <summary>
/// One measurement unit, run alone in a child process: it returns its figures as <see cref="ResultRow"/>s, each
/// beside a bare reference measured in the same process.
/// </summary>
/// <param name="Id">Unique id, "benchmark/case" (used to find the case again in the child process).</param>
/// <param name="Title">What the case runs (model, input shape, batch).</param>
/// <param name="Run">Runs the case; <see cref="CaseContext"/> gives logging and the memory capture point.</param>
/// <param name="Environment">Variables set in the case's child process before it starts (an empty value removes
/// the variable; null: none), e.g. the oneDNN switches. Ignored with --in-process.</param>
internal sealed record BenchmarkCase(string Id, string Title, Func<BenchmarkSettings, CaseContext, IReadOnlyList<ResultRow>> Run,
    IReadOnlyDictionary<string, string>? Environment = null);
