using System.Text.Json;
using System.Text.Json.Serialization;

namespace MlNetMoco.Benchmarks;

/// <summary>Runs one case in the current process and (in a child process) hands its result back as JSON.</summary>
internal static class CaseHost
{
    /// <summary>JSON settings of the result file (NaN allowed: a figure may be missing).</summary>
    public static JsonSerializerOptions Json { get; } = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        WriteIndented = false,
    };

    /// <summary>Every case of every benchmark under <paramref name="settings"/>.</summary>
    public static IEnumerable<BenchmarkCase> AllCases(BenchmarkSettings settings) =>
        BenchmarkRegistry.All.SelectMany(b => b.Cases(settings));

    /// <summary>Runs <paramref name="benchmarkCase"/> here; a failure becomes a result with <see cref="CaseResult.Error"/>.</summary>
    public static CaseResult Run(BenchmarkCase benchmarkCase, BenchmarkSettings settings, bool inProcess)
    {
        using var context = new CaseContext(benchmarkCase, settings, inProcess);
        try
        {
            var rows = benchmarkCase.Run(settings, context);
            return context.Finish(rows);
        }
        catch (Exception e)
        {
            context.Log($"FAILED: {e}");
            return context.Finish(Array.Empty<ResultRow>()) with { Error = $"{e.GetType().Name}: {e.Message}" };
        }
    }

    /// <summary>The child-process entry: runs the case <paramref name="caseId"/> and writes its result to <paramref name="resultFile"/>.</summary>
    /// <returns>The process exit code: 0, or 1 when the case failed.</returns>
    public static int RunChild(string caseId, string resultFile, BenchmarkSettings settings)
    {
        var benchmarkCase = AllCases(settings).FirstOrDefault(c => c.Id == caseId);
        var result = benchmarkCase is null
            ? CaseResult.Failed(caseId, caseId, $"No case '{caseId}' under these settings.")
            : Run(benchmarkCase, settings, inProcess: false);
        File.WriteAllText(resultFile, JsonSerializer.Serialize(result, Json));
        return result.Error is null ? 0 : 1;
    }
}
