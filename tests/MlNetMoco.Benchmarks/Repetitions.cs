namespace MlNetMoco.Benchmarks;

/// <summary>How often a measurement is repeated.</summary>
/// <param name="Warmup">Untimed runs first (at least).</param>
/// <param name="Iterations">Timed runs (the median is reported).</param>
/// <param name="BudgetSeconds">Stop timing once this much time was spent and at least 3 runs were timed.</param>
/// <param name="WarmupSeconds">
/// Keep warming up (up to <see cref="Harness.TieringRuns"/> runs) until this much time was spent; 0 for measurements
/// whose single run already calls the code many times (a pass over a data set).
/// </param>
internal readonly record struct Repetitions(int Warmup, int Iterations, double BudgetSeconds, double WarmupSeconds);
