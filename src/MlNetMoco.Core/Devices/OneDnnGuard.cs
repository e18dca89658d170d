using System.Runtime.CompilerServices;

namespace MlNetMoco.Core.Devices;

/// <summary>
/// Keeps libtorch's oneDNN from killing the process. libtorch 2.10's oneDNN divides by zero (SIGFPE, no exception)
/// in the backward pass of ResNet-50's 1×1 convolutions (<c>brgemm_convolution_bwd_utils::brg_blocking_t::est_eff_1x1</c>) on x86-64 hosts
/// whose CPUID reports no data-cache sizes, as some virtual machines do. Its AVX kernels do not take that path, so
/// on such a host this caps oneDNN's instruction set at AVX (<c>ONEDNN_MAX_CPU_ISA=AVX</c>, set in the native
/// environment before oneDNN first reads it); healthy hosts are left alone. Capping costs less than turning oneDNN
/// off for convolutions (README, "oneDNN workaround", has the figures and <c>tests/MlNetMoco.Benchmarks -- onednn</c>
/// measures both).
/// </summary>
/// <remarks>
/// It runs when this assembly loads (a module initializer), so before any convolution MlNetMoco starts. oneDNN reads
/// the variable once, at its first primitive: a process that ran a convolution through TorchSharp before loading
/// MlNetMoco.Core keeps oneDNN's full instruction set. <c>MLNETMOCO_ONEDNN_WORKAROUND</c> = <c>auto</c> (default),
/// <c>force</c> or <c>off</c> chooses the behaviour (<see cref="OneDnnWorkaroundMode"/>); a user's own
/// <c>ONEDNN_MAX_CPU_ISA</c> or <c>DNNL_MAX_CPU_ISA</c> is respected unless the mode is <c>force</c>.
/// </remarks>
public static class OneDnnGuard
{
    /// <summary>The environment variable that selects the mode: <c>auto</c>, <c>force</c> or <c>off</c>.</summary>
    public const string ModeVariable = "MLNETMOCO_ONEDNN_WORKAROUND";

    /// <summary>oneDNN's own instruction-set cap (it also reads the older <c>DNNL_MAX_CPU_ISA</c>).</summary>
    public const string IsaVariable = "ONEDNN_MAX_CPU_ISA";

    /// <summary>The older name of <see cref="IsaVariable"/>.</summary>
    public const string LegacyIsaVariable = "DNNL_MAX_CPU_ISA";

    /// <summary>The instruction set the workaround caps oneDNN at (its AVX kernels avoid the faulty blocking heuristic).</summary>
    public const string CappedIsa = "AVX";

    private static readonly Lazy<OneDnnGuardStatus> Applied = new(Apply, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>What was done in this process (applying it on first use).</summary>
    public static OneDnnGuardStatus Status => Applied.Value;

    /// <summary>Applies the guard if it has not run yet; returns what was done.</summary>
    public static OneDnnGuardStatus Ensure() => Applied.Value;

#pragma warning disable CA2255 // Deliberate: the cap must be in the environment before oneDNN's first convolution anywhere in the process.
    [ModuleInitializer]
    internal static void ApplyOnLoad() => _ = Applied.Value;
#pragma warning restore CA2255

    /// <summary>
    /// The decision, as a pure function of the mode variable's text, the ISA variables already set, and the CPU's cache
    /// report (null off x86). <see cref="OneDnnGuardStatus.Capped"/> says whether to set <see cref="IsaVariable"/>.
    /// </summary>
    public static OneDnnGuardStatus Decide(string? modeText, string? existingIsa, CpuCacheReport? cpu)
    {
        string? modeProblem = null;
        OneDnnWorkaroundMode mode = OneDnnWorkaroundMode.Auto;
        if (!string.IsNullOrWhiteSpace(modeText) && !Enum.TryParse(modeText.Trim(), ignoreCase: true, out mode) ||
            !Enum.IsDefined(mode))
        {
            mode = OneDnnWorkaroundMode.Auto;
            modeProblem = $" ({ModeVariable}='{modeText}' is not auto, force or off; auto used)";
        }
        bool unsafeCpu = cpu is not null && !cpu.ReportsDataCaches;
        string cpuText = cpu is null ? "not an x86 CPU" : cpu.ToString();

        if (mode == OneDnnWorkaroundMode.Force)
            return Cap(mode, "forced", $"{ModeVariable}=force");
        if (mode == OneDnnWorkaroundMode.Off)
            return new(mode, false, unsafeCpu ? "unrestricted (workaround off; this CPU reports no cache sizes)" : "unrestricted (workaround off)",
                $"oneDNN: workaround off ({ModeVariable}=off){(unsafeCpu ? $"; this CPU reports no data-cache sizes ({cpuText}), so ResNet-50 training may kill the process with SIGFPE" : "")}.",
                cpu);
        if (existingIsa is not null)
            return new(mode, false, $"ISA {existingIsa} (set by the environment)",
                $"oneDNN: {IsaVariable}/{LegacyIsaVariable}={existingIsa} is set by the environment and left as it is{modeProblem}.", cpu);
        if (unsafeCpu)
            return Cap(mode, "CPU reports no cache sizes",
                $"this CPU reports no data-cache sizes ({cpuText}), which makes libtorch's oneDNN divide by zero in the backward pass of ResNet-50's 1×1 convolutions");
        return new(mode, false, "unrestricted", $"oneDNN: unrestricted ({cpuText}){modeProblem}.", cpu);

        OneDnnGuardStatus Cap(OneDnnWorkaroundMode m, string shortWhy, string why) =>
            new(m, true, $"ISA capped at {CappedIsa} ({shortWhy})",
                $"oneDNN: capped its instruction set at {CappedIsa} ({IsaVariable}={CappedIsa}) because {why}{modeProblem}; " +
                $"{ModeVariable}=off turns this off.", cpu);
    }

    private static OneDnnGuardStatus Apply()
    {
        string? existing = NativeEnvironment.Get(IsaVariable) ?? NativeEnvironment.Get(LegacyIsaVariable);
        CpuCacheReport? cpu = CpuCacheReport.ReadThisCpu();
        OneDnnGuardStatus status = Decide(Environment.GetEnvironmentVariable(ModeVariable), existing, cpu);
        if (status.Capped && !NativeEnvironment.Set(IsaVariable, CappedIsa))
            return status with
            {
                Capped = false,
                Summary = "unrestricted (could not set the cap)",
                Message = $"oneDNN: could not set {IsaVariable}={CappedIsa} in the native environment; set it yourself before starting the process. ({status.Message})",
            };
        return status;
    }
}
