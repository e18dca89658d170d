using System.Globalization;
using System.Runtime.InteropServices;
using MlNetMoco.Core.Devices;
using TorchSharp;

namespace MlNetMoco.Benchmarks;

/// <summary>The parent process: lists the chosen cases, runs each (in a child process by default) and prints the table.</summary>
internal static class BenchmarkRunner
{
    /// <summary>Runs the benchmarks of <paramref name="commandLine"/>; returns the exit code (1 when a case failed).</summary>
    public static int Run(CommandLine commandLine)
    {
        var settings = commandLine.Settings;
        var cases = commandLine.Benchmarks.SelectMany(b => b.Cases(settings))
            .Where(c => commandLine.CaseFilter is null || c.Id.Contains(commandLine.CaseFilter, StringComparison.OrdinalIgnoreCase))
            .ToList();
        if (cases.Count == 0)
        {
            Console.Error.WriteLine($"No case matches '{commandLine.CaseFilter}'; --list shows them.");
            return 2;
        }
        if (commandLine.List)
        {
            foreach (var c in cases) Console.WriteLine($"{c.Id,-40} {c.Title}");
            return 0;
        }

        string diagnostic = TorchDiagnostics.Describe(settings.Device);
        string header =
            $"MlNetMoco benchmarks ({string.Join(", ", commandLine.Benchmarks.Select(b => b.Name))}) | {(settings.Quick ? "quick" : "full")} | " +
            $"{(commandLine.InProcess ? "in-process" : "one child process per case")} | {Configuration} build\n" +
            $"{diagnostic}\n" +
            $"{RuntimeInformation.FrameworkDescription} | {RuntimeInformation.OSDescription} | {Environment.ProcessorCount} logical core(s) | " +
            $"started {DateTime.Now.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} | {SystemLoad.Describe()}";
        Console.WriteLine(header);
        Console.WriteLine();
        Console.Out.Flush();

        var results = new List<CaseResult>();
        for (int i = 0; i < cases.Count; i++)
        {
            var benchmarkCase = cases[i];
            Console.Error.WriteLine($"[{i + 1}/{cases.Count}] {benchmarkCase.Id}: {benchmarkCase.Title} ({SystemLoad.Describe()})");
            double loadBefore = SystemLoad.One();
            var result = commandLine.InProcess
                ? CaseHost.Run(benchmarkCase, settings, inProcess: true)
                : ChildProcess.Run(benchmarkCase, settings);
            results.Add(result with { LoadBefore = loadBefore, LoadAfter = SystemLoad.One() });
        }

        Console.WriteLine(ResultTable.Format(results));
        Console.WriteLine(ResultTable.Legend);
        var contended = Contended(results);
        if (contended.Count > 0)
            Console.WriteLine($"WARNING: contended machine during {string.Join(", ", contended)} (the case kept fewer than 60% of torch's " +
                              $"{torch.get_num_threads()} thread(s) busy, or the 1-minute load, which counts this benchmark too, exceeded {Environment.ProcessorCount + 1}): treat those figures as noisy.");
        Console.WriteLine($"finished {DateTime.Now.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} | {SystemLoad.Describe()}");
        Console.WriteLine(diagnostic);
        return results.Any(r => r.Error is not null) ? 1 : 0;
    }

    // Cases that ran while other work competed for the cores.
    private static List<string> Contended(IEnumerable<CaseResult> results)
    {
        int threads = Math.Min(torch.get_num_threads(), Environment.ProcessorCount);
        return results
            .Where(r => r.Error is null && (r.CpuCores < 0.6 * threads || Math.Max(r.LoadBefore, r.LoadAfter) > Environment.ProcessorCount + 1.0))
            .Select(r => r.Id)
            .ToList();
    }

#if DEBUG
    private const string Configuration = "Debug (figures not representative: use -c Release)";
#else
    private const string Configuration = "Release";
#endif
}
