using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;

namespace MlNetMoco.Core.Tests.Interop;

/// <summary>
/// A Python interpreter with given modules: PyTorch and torchvision (Debian's python3-torch, python3-torchvision) for
/// the interop tests that write and read files as PyTorch does, onnx (python3-onnx) for the ONNX checker. When the
/// modules are missing a test skips visibly or fails in strict mode (<see cref="OptionalTool"/>).
/// <c>MLNETMOCO_PYTHON</c> selects the interpreter; otherwise Debian's <c>/usr/bin/python3</c> is tried before
/// <c>python3</c> on the PATH (which may be a version manager's shim without Debian's packages).
/// </summary>
internal static class OptionalPython
{
    private static readonly ConcurrentDictionary<string, Lazy<(string? Python, string Problem)>> Probes = new();

    /// <summary>The interpreter with PyTorch and torchvision; skips (or fails in strict mode) when they are missing.</summary>
    public static string Require() =>
        Require("from torch import tensor; from torchvision import models", "python3-torch and python3-torchvision", "Python with PyTorch and torchvision");

    /// <summary>
    /// The interpreter that runs <paramref name="imports"/> (import names from the module: an empty folder of the
    /// module's name imports as a namespace package); when none does, ends the test through
    /// <see cref="OptionalTool.Missing"/> naming <paramref name="package"/>.
    /// </summary>
    public static string Require(string imports, string package, string what, string? checkedSoFar = null)
    {
        var (python, problem) = Find(imports);
        if (python is null) OptionalTool.Missing(package, what, problem, checkedSoFar);
        return python;
    }

    /// <summary>The first interpreter that runs <paramref name="imports"/> (probed once per run), or null with the problems found.</summary>
    public static (string? Python, string Problem) Find(string imports) =>
        Probes.GetOrAdd(imports, key => new Lazy<(string?, string)>(() => Probe(key))).Value;

    /// <summary>Runs <paramref name="python"/> with <paramref name="arguments"/>; returns the exit code and the combined output.</summary>
    public static (int ExitCode, string Output) Run(string python, IEnumerable<string> arguments, string? workingDirectory = null, int timeoutSeconds = 600)
    {
        var psi = new ProcessStartInfo(python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? AppContext.BaseDirectory,
        };
        foreach (string argument in arguments) psi.ArgumentList.Add(argument);
        psi.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
        psi.Environment["OMP_NUM_THREADS"] = "2";
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeoutSeconds * 1000))
        {
            process.Kill(entireProcessTree: true);
            return (-1, $"timed out after {timeoutSeconds} s\n{stdout.Result}{stderr.Result}");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    private static (string?, string) Probe(string imports)
    {
        string? configured = Environment.GetEnvironmentVariable("MLNETMOCO_PYTHON");
        string[] candidates = string.IsNullOrWhiteSpace(configured) ? ["/usr/bin/python3", "python3"] : [configured];
        var problems = new List<string>();
        foreach (string candidate in candidates)
        {
            try
            {
                var (exit, output) = Run(candidate, ["-c", imports], timeoutSeconds: 120);
                if (exit == 0) return (candidate, "");
                problems.Add($"{candidate}: {output.Trim().Split('\n').LastOrDefault()}");
            }
            catch (Win32Exception e)
            {
                problems.Add($"{candidate}: {e.Message}");
            }
        }
        return (null, string.Join("; ", problems));
    }
}
