using System.Diagnostics;
using System.Reflection;
using System.Text.Json;

namespace MlNetMoco.Benchmarks;

/// <summary>
/// Runs one case in a fresh process (this program re-invoked with <c>--run-case</c>), so that its peak working set
/// and CUDA memory are its own. The child inherits the console; its result comes back through a temporary file.
/// </summary>
internal static class ChildProcess
{
    /// <summary>Runs <paramref name="benchmarkCase"/> in a child process and returns its result.</summary>
    public static CaseResult Run(BenchmarkCase benchmarkCase, BenchmarkSettings settings)
    {
        string resultFile = Path.Combine(Path.GetTempPath(), $"mlnetmoco-bench-{Environment.ProcessId}-{Guid.NewGuid():N}.json");
        try
        {
            var start = StartInfo();
            start.ArgumentList.Add(CommandLine.RunCaseOption);
            start.ArgumentList.Add(benchmarkCase.Id);
            start.ArgumentList.Add(CommandLine.ResultFileOption);
            start.ArgumentList.Add(resultFile);
            foreach (var argument in settings.ToArguments()) start.ArgumentList.Add(argument);
            foreach (var (name, value) in benchmarkCase.Environment ?? new Dictionary<string, string>())
                if (value.Length == 0) start.Environment.Remove(name); else start.Environment[name] = value;

            using var process = Process.Start(start)
                ?? throw new InvalidOperationException($"Could not start '{start.FileName}'.");
            process.WaitForExit();
            if (!File.Exists(resultFile) || new FileInfo(resultFile).Length == 0)
                return CaseResult.Failed(benchmarkCase.Id, benchmarkCase.Title, $"the child process exited with code {process.ExitCode} and wrote no result");
            return JsonSerializer.Deserialize<CaseResult>(File.ReadAllText(resultFile), CaseHost.Json)
                ?? CaseResult.Failed(benchmarkCase.Id, benchmarkCase.Title, "empty result file");
        }
        finally
        {
            File.Delete(resultFile);
        }
    }

    // This program again: the apphost when there is one, else `dotnet <this.dll>`.
    private static ProcessStartInfo StartInfo()
    {
        string? path = Environment.ProcessPath;
        string dll = Assembly.GetEntryAssembly()?.Location ?? typeof(ChildProcess).Assembly.Location;
        bool viaHost = path is null || Path.GetFileNameWithoutExtension(path).Equals("dotnet", StringComparison.OrdinalIgnoreCase);
        var start = new ProcessStartInfo(path ?? "dotnet") { UseShellExecute = false };
        if (viaHost) start.ArgumentList.Add(dll);
        return start;
    }
}
