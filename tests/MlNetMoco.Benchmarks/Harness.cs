using System.Diagnostics;
using TorchSharp;

namespace MlNetMoco.Benchmarks;

/// <summary>
/// The timing harness: warm-up runs, then timed runs with a <see cref="Stopwatch"/>, reporting the median. On CUDA
/// every timed run ends with a device synchronisation, so asynchronous kernels are counted where they run.
/// </summary>
internal static class Harness
{
    /// <summary>Fewest timed runs, even when the budget is spent.</summary>
    public const int MinimumSamples = 3;

    /// <summary>Short runs are repeated beyond the asked number until this much time was spent (at most <see cref="MaximumSamples"/> runs).</summary>
    public const double MinimumSeconds = 1.0;

    /// <summary>
    /// Warm-up runs enough for .NET's tiered JIT to promote the managed code on the path (TorchSharp's module calls,
    /// SplitBatchNorm): a method is recompiled optimised after 30 calls. Measured in a fresh process, a SmallConvNet
    /// forward+backward was ~25% slower before that than after. Warm-up stops at this many runs or after
    /// <see cref="Repetitions.WarmupSeconds"/>, whichever comes first (but never before <see cref="Repetitions.Warmup"/> runs).
    /// </summary>
    public const int TieringRuns = 40;

    /// <summary>Most timed runs of a short measurement.</summary>
    public const int MaximumSamples = 200;

    /// <summary>Times <paramref name="action"/> under <paramref name="repeats"/>.</summary>
    /// <param name="action">One run of the measured work.</param>
    /// <param name="repeats">Warm-up runs, timed runs and time budget.</param>
    /// <param name="device">The device the work runs on; CUDA work is synchronised after each run.</param>
    public static Timing Measure(Action action, Repetitions repeats, torch.Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(action);
        var synchronize = Synchronizer(device);
        var warmup = Stopwatch.StartNew();
        for (int i = 0; i < repeats.Warmup || (i < TieringRuns && warmup.Elapsed.TotalSeconds < repeats.WarmupSeconds); i++)
        {
            action();
            synchronize();
        }
        GC.Collect();
        GC.WaitForPendingFinalizers();

        var samples = new List<double>(repeats.Iterations);
        var budget = Stopwatch.StartNew();
        while (samples.Count < Math.Max(repeats.Iterations, 1)
               || (budget.Elapsed.TotalSeconds < MinimumSeconds && samples.Count < MaximumSamples))
        {
            long start = Stopwatch.GetTimestamp();
            action();
            synchronize();
            samples.Add(Stopwatch.GetElapsedTime(start).TotalSeconds);
            if (samples.Count >= MinimumSamples && budget.Elapsed.TotalSeconds > repeats.BudgetSeconds) break;
        }
        return new Timing(samples);
    }

    /// <summary>
    /// Times several measurements round-robin (one run of each per round), so that on a shared machine a load burst
    /// hits all of them alike and their ratios stay meaningful. Each is warmed up first.
    /// </summary>
    /// <returns>One timing per action, in order.</returns>
    public static IReadOnlyList<Timing> MeasureInterleaved(IReadOnlyList<Action> actions, Repetitions repeats, torch.Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(actions);
        var synchronize = Synchronizer(device);
        foreach (var action in actions)
            for (int i = 0; i < Math.Max(repeats.Warmup, 1); i++)
            {
                action();
                synchronize();
            }
        GC.Collect();
        GC.WaitForPendingFinalizers();

        var samples = actions.Select(_ => new List<double>()).ToArray();
        var budget = Stopwatch.StartNew();
        for (int round = 0; round < Math.Max(repeats.Iterations, 1); round++)
        {
            for (int a = 0; a < actions.Count; a++)
            {
                long start = Stopwatch.GetTimestamp();
                actions[a]();
                synchronize();
                samples[a].Add(Stopwatch.GetElapsedTime(start).TotalSeconds);
            }
            if (round + 1 >= MinimumSamples && budget.Elapsed.TotalSeconds > repeats.BudgetSeconds) break;
        }
        return samples.Select(s => new Timing(s)).ToList();
    }

    /// <summary>One timed run of <paramref name="action"/> followed by <paramref name="synchronize"/>, in seconds.</summary>
    public static double TimeOnce(Action action, Action synchronize)
    {
        long start = Stopwatch.GetTimestamp();
        action();
        synchronize();
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    /// <summary>Waits for queued CUDA work on <paramref name="device"/>; does nothing on the CPU.</summary>
    public static Action Synchronizer(torch.Device? device) =>
        device is { type: DeviceType.CUDA } cuda ? () => torch.cuda.synchronize(cuda) : static () => { };

    /// <summary>The median of <paramref name="values"/> (NaN when empty).</summary>
    public static double Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0) return double.NaN;
        var sorted = values.Order().ToArray();
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
