using System.ComponentModel;
using System.Diagnostics;

namespace MlNetMoco.Core.Tests.Interop;

/// <summary>
/// The Python interpreter with PyTorch (Debian's python3-torch) and torchvision (python3-torchvision) that the interop
/// tests run to write and read files as PyTorch does. When it is missing a test skips visibly (<c>Assert.Skip</c>), or
/// fails when <c>MLNETMOCO_REQUIRE_OPTIONAL_TOOLS=1</c> (CI's strict mode). <c>MLNETMOCO_PYTHON</c> selects the interpreter.
/// </summary>
internal static class OptionalPython
{
    /// <summary>The strictness switch: when "1", a missing optional tool fails the test instead of skipping it.</summary>
    public const string RequireVariable = "MLNETMOCO_REQUIRE_OPTIONAL_TOOLS";

    private static readonly Lazy<(string? Python, string Problem)> Probe = new(Find);

    /// <summary>The interpreter path; skips (or fails in strict mode) when PyTorch or torchvision is missing.</summary>
    public static string Require()
    {
        var (python, problem) = Probe.Value;
        if (python is not null) return python;
        string message = $"Python with PyTorch and torchvision is not available ({problem}); install python3-torch and python3-torchvision to run this test.";
        if (Environment.GetEnvironmentVariable(RequireVariable) == "1") Assert.Fail(message + $" ({RequireVariable}=1 makes this a failure.)");
        Assert.Skip(message);
        return null!;
    }

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

    private static (string?, string) Find()
    {
        string? configured = Environment.GetEnvironmentVariable("MLNETMOCO_PYTHON");
        string[] candidates = string.IsNullOrWhiteSpace(configured) ? ["/usr/bin/python3", "python3"] : [configured];
        var problems = new List<string>();
        foreach (string candidate in candidates)
        {
            try
            {
                var (exit, output) = Run(candidate, ["-c", "import torch, torchvision"], timeoutSeconds: 120);
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
