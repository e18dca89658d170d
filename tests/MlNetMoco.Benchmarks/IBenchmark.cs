namespace MlNetMoco.Benchmarks;

/// <summary>
/// A named group of benchmark cases (<c>pretrain</c>, <c>transform</c>, <c>bridge</c>, …). To add one, implement
/// this interface in its own file and list it in <see cref="BenchmarkRegistry.All"/>.
/// </summary>
internal interface IBenchmark
{
    /// <summary>The name given on the command line (lower case, no spaces).</summary>
    string Name { get; }

    /// <summary>One line saying what is measured.</summary>
    string Description { get; }

    /// <summary>
    /// The cases to run under <paramref name="settings"/>. Must be deterministic: the parent and the child process
    /// enumerate them independently and match them by <see cref="BenchmarkCase.Id"/>.
    /// </summary>
    IEnumerable<BenchmarkCase> Cases(BenchmarkSettings settings);
}
