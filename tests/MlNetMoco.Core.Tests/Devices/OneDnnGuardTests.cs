using MlNetMoco.Core.Devices;

namespace MlNetMoco.Core.Tests.Devices;

public class OneDnnGuardTests
{
    private static readonly CpuCacheReport Healthy = new("GenuineIntel", "CPUID 4", 48 * 1024, 1280 * 1024);
    private static readonly CpuCacheReport NoCaches = new("AuthenticAMD", "CPUID 0x8000001D", 0, 0);

    [Fact]
    public void Auto_caps_only_a_CPU_that_reports_no_cache_sizes()
    {
        var capped = OneDnnGuard.Decide(null, null, NoCaches);
        Assert.True(capped.Capped);
        Assert.Equal(OneDnnWorkaroundMode.Auto, capped.Mode);
        Assert.Contains("reports no data-cache sizes", capped.Message);
        Assert.Contains($"{OneDnnGuard.IsaVariable}={OneDnnGuard.CappedIsa}", capped.Message);

        Assert.False(OneDnnGuard.Decide("auto", null, Healthy).Capped);
        Assert.False(OneDnnGuard.Decide(null, null, cpu: null).Capped);   // not x86
    }

    [Fact]
    public void A_users_own_ISA_setting_is_respected_unless_forced()
    {
        var kept = OneDnnGuard.Decide(null, "AVX2", NoCaches);
        Assert.False(kept.Capped);
        Assert.Contains("AVX2", kept.Summary);
        Assert.True(OneDnnGuard.Decide("force", "AVX2", NoCaches).Capped);
    }

    [Fact]
    public void Force_caps_a_healthy_CPU_and_off_never_caps_but_warns()
    {
        Assert.True(OneDnnGuard.Decide("FORCE", null, Healthy).Capped);
        var off = OneDnnGuard.Decide(" off ", null, NoCaches);
        Assert.False(off.Capped);
        Assert.Contains("SIGFPE", off.Message);
        Assert.DoesNotContain("SIGFPE", OneDnnGuard.Decide("off", null, Healthy).Message);
    }

    [Fact]
    public void An_unknown_mode_falls_back_to_auto_and_says_so()
    {
        var status = OneDnnGuard.Decide("sometimes", null, NoCaches);
        Assert.True(status.Capped);
        Assert.Contains("'sometimes' is not auto, force or off", status.Message);
        Assert.Equal(OneDnnWorkaroundMode.Auto, OneDnnGuard.Decide("7", null, Healthy).Mode);
    }

    [Fact]
    public void In_this_process_a_cap_is_in_the_native_environment_and_in_the_diagnostics_line()
    {
        var status = OneDnnGuard.Status;
        if (status.Capped)
            Assert.Equal(OneDnnGuard.CappedIsa, Environment.GetEnvironmentVariable(OneDnnGuard.IsaVariable));
        Assert.Contains($"| oneDNN {status.Summary}", TorchDiagnostics.Describe(TorchSharp.torch.CPU));
    }
}
