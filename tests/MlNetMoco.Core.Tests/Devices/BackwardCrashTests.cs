using System.Diagnostics;
using System.Globalization;
using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Devices;

namespace MlNetMoco.Core.Tests.Devices;

/// <summary>
/// Forward and backward of every backbone × stem × BatchNorm split, at the input sizes the demos and docs use, each in
/// its own process (tests/MlNetMoco.BackwardProbe). A native crash, such as libtorch's oneDNN dividing by zero
/// (SIGFPE) on CPUs that report no cache sizes, fails the one case and names the signal instead of taking the test
/// run down. The children run with the guard in its default mode and without any oneDNN variable of this process.
/// </summary>
public class BackwardCrashTests
{
    /// <summary>(kind, small stem, BatchNorm splits, channels, side, batch).</summary>
    public static TheoryData<BackboneKind, bool, int, int, int, int> Cases()
    {
        var data = new TheoryData<BackboneKind, bool, int, int, int, int>();
        foreach (int splits in new[] { 1, 8 })
        {
            int batch = splits == 1 ? 4 : 16;
            data.Add(BackboneKind.SmallConvNet, false, splits, 1, 28, batch);   // the demo: Fashion-MNIST
            data.Add(BackboneKind.SmallConvNet, false, splits, 3, 32, batch);
            foreach (var kind in new[] { BackboneKind.ResNet18, BackboneKind.ResNet34, BackboneKind.ResNet50 })
            {
                data.Add(kind, true, splits, 3, 32, batch);                      // small colour images
                data.Add(kind, false, splits, 3, 64, batch);                     // ImageNet stem on small inputs
            }
            data.Add(BackboneKind.ResNet18, true, splits, 1, 28, batch);         // grayscale with a ResNet
        }
        data.Add(BackboneKind.ResNet50, false, 1, 3, 224, 2);                    // the paper's input (pretrained weights)
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Backward_pass_completes_in_a_child_process(BackboneKind kind, bool smallStem, int splits, int channels, int side, int batch)
    {
        var result = BackwardProbe.Run(kind, smallStem, splits, channels, side, batch);
        string name = $"{kind} {(smallStem ? "small" : "ImageNet")} stem, {splits} BatchNorm split(s), {channels}×{side}×{side}, batch {batch}";
        Assert.True(result.ExitCode == 0,
            $"{name}: the child process {BackwardProbe.DescribeExit(result.ExitCode)}.\n{result.Output}");
        Assert.Contains("ok ", result.Output);
    }

    [Fact]
    public void The_force_switch_caps_oneDNN_in_any_process_and_ResNet50_backward_still_runs()
    {
        var result = BackwardProbe.Run(BackboneKind.ResNet50, true, 1, 3, 32, 4,
            new Dictionary<string, string> { [OneDnnGuard.ModeVariable] = "force" });
        Assert.True(result.ExitCode == 0, $"the child process {BackwardProbe.DescribeExit(result.ExitCode)}.\n{result.Output}");
        Assert.Contains($"capped its instruction set at {OneDnnGuard.CappedIsa}", result.Output);
        Assert.Contains($"{OneDnnGuard.ModeVariable}=force", result.Output);
    }

    [Fact]
    public void The_off_switch_leaves_oneDNN_alone_and_says_so()
    {
        var result = BackwardProbe.Run(BackboneKind.SmallConvNet, false, 1, 1, 28, 4,
            new Dictionary<string, string> { [OneDnnGuard.ModeVariable] = "off" });
        Assert.True(result.ExitCode == 0, $"the child process {BackwardProbe.DescribeExit(result.ExitCode)}.\n{result.Output}");
        Assert.Contains("workaround off", result.Output);
    }

    [Fact]
    public void Exit_codes_of_signals_are_named()
    {
        Assert.Equal("was killed by SIGFPE (signal 8, exit code 136)", BackwardProbe.DescribeExit(136));
        Assert.Equal("was killed by SIGSEGV (signal 11, exit code 139)", BackwardProbe.DescribeExit(139));
        Assert.Equal("exited with code 1", BackwardProbe.DescribeExit(1));
    }
}

/// <summary>Starts tests/MlNetMoco.BackwardProbe (same configuration and framework as this test assembly).</summary>
internal static class BackwardProbe
{
    private static readonly string[] OneDnnVariables =
        [OneDnnGuard.ModeVariable, OneDnnGuard.IsaVariable, OneDnnGuard.LegacyIsaVariable];

    public static (int ExitCode, string Output) Run(BackboneKind kind, bool smallStem, int splits, int channels, int side, int batch,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(ProbePath());
        foreach (object a in new object[] { kind, smallStem, splits, channels, side, batch })
            psi.ArgumentList.Add(Convert.ToString(a, CultureInfo.InvariantCulture)!);
        foreach (string name in OneDnnVariables) psi.Environment.Remove(name);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) psi.Environment[name] = value;
        psi.Environment["OMP_NUM_THREADS"] = "2";
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            return (-1, "timed out after 5 minutes\n" + stdout.Result + stderr.Result);
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>"was killed by SIGFPE (signal 8, exit code 136)" for exit codes 128 + signal, else "exited with code N".</summary>
    public static string DescribeExit(int exitCode)
    {
        if (exitCode is > 128 and < 160)
        {
            int signal = exitCode - 128;
            string name = signal switch
            {
                4 => "SIGILL", 6 => "SIGABRT", 7 => "SIGBUS", 8 => "SIGFPE", 9 => "SIGKILL", 11 => "SIGSEGV", 15 => "SIGTERM",
                _ => $"signal {signal}",
            };
            return $"was killed by {name} (signal {signal}, exit code {exitCode})";
        }
        return exitCode == -1 ? "timed out" : $"exited with code {exitCode}";
    }

    private static string ProbePath()
    {
        char sep = Path.DirectorySeparatorChar;
        string here = AppContext.BaseDirectory.TrimEnd(sep);
        string dir = here.Replace($"{sep}MlNetMoco.Core.Tests{sep}", $"{sep}MlNetMoco.BackwardProbe{sep}", StringComparison.Ordinal);
        string path = Path.Combine(dir, "MlNetMoco.BackwardProbe.dll");
        Assert.True(File.Exists(path), $"the probe was not built at {path}");
        return path;
    }
}
