using MlNetMoco.Core.Devices;

namespace MlNetMoco.Core.Tests.Devices;

public class CpuCacheReportTests
{
    private static (uint, uint, uint, uint) Vendor(string vendor, uint maxLeaf)
    {
        byte[] v = System.Text.Encoding.ASCII.GetBytes(vendor);
        return (maxLeaf, BitConverter.ToUInt32(v, 0), BitConverter.ToUInt32(v, 8), BitConverter.ToUInt32(v, 4));
    }

    /// <summary>EAX/EBX/ECX of a deterministic-cache-parameters entry for a cache of the given geometry.</summary>
    private static (uint, uint, uint, uint) Cache(uint type, uint level, uint ways, uint partitions, uint line, uint sets) =>
        (type | level << 5, (ways - 1) << 22 | (partitions - 1) << 12 | (line - 1), sets - 1, 0);

    private static CpuCacheReport.CpuidFunction Table(Dictionary<(uint, uint), (uint, uint, uint, uint)> entries) =>
        (leaf, sub) => entries.TryGetValue((leaf, sub), out var r) ? r : (0, 0, 0, 0);

    [Fact]
    public void Intel_sizes_come_from_leaf_4_skipping_the_instruction_cache()
    {
        var report = CpuCacheReport.Decode(Table(new()
        {
            [(0, 0)] = Vendor("GenuineIntel", 0x1B),
            [(4, 0)] = Cache(1, 1, 12, 1, 64, 64),      // 48 KiB L1d
            [(4, 1)] = Cache(2, 1, 8, 1, 64, 64),       // 32 KiB L1i
            [(4, 2)] = Cache(3, 2, 20, 1, 64, 1024),    // 1.25 MiB L2
        }));
        Assert.Equal("GenuineIntel", report.Vendor);
        Assert.Equal(48 * 1024, report.L1DataBytes);
        Assert.Equal(1280 * 1024, report.L2Bytes);
        Assert.True(report.ReportsDataCaches);
    }

    [Fact]
    public void Modern_AMD_sizes_come_from_leaf_8000001D()
    {
        var report = CpuCacheReport.Decode(Table(new()
        {
            [(0, 0)] = Vendor("AuthenticAMD", 0x10),
            [(0x80000000, 0)] = (0x80000021, 0, 0, 0),
            [(0x8000001D, 0)] = Cache(1, 1, 8, 1, 64, 64),      // 32 KiB
            [(0x8000001D, 1)] = Cache(2, 1, 8, 1, 64, 64),
            [(0x8000001D, 2)] = Cache(3, 2, 8, 1, 64, 1024),    // 512 KiB
        }));
        Assert.Equal("CPUID 0x8000001D", report.Source);
        Assert.Equal(32 * 1024, report.L1DataBytes);
        Assert.Equal(512 * 1024, report.L2Bytes);
    }

    [Fact]
    public void An_AMD_VM_with_an_empty_leaf_8000001D_reports_no_caches_even_when_the_legacy_leaves_have_them()
    {
        // The CI host of issue #9: leaf 0x8000001D is empty, 0x80000005/6 still report 48 KiB and 1 MiB.
        var report = CpuCacheReport.Decode(Table(new()
        {
            [(0, 0)] = Vendor("AuthenticAMD", 0xD),
            [(0x80000000, 0)] = (0x80000021, 0, 0, 0),
            [(0x80000005, 0)] = (0, 0, 0x300C0140, 0),
            [(0x80000006, 0)] = (0, 0, 0x04006140, 0),
        }));
        Assert.False(report.ReportsDataCaches);
        Assert.Equal(0, report.L1DataBytes);
        Assert.Contains("not reported", report.ToString());
    }

    [Fact]
    public void Older_AMD_sizes_come_from_the_legacy_leaves()
    {
        var report = CpuCacheReport.Decode(Table(new()
        {
            [(0, 0)] = Vendor("AuthenticAMD", 0xD),
            [(0x80000000, 0)] = (0x8000001A, 0, 0, 0),
            [(0x80000005, 0)] = (0, 0, 0x300C0140, 0),
            [(0x80000006, 0)] = (0, 0, 0x04006140, 0),
        }));
        Assert.Equal("CPUID 0x80000005/6", report.Source);
        Assert.Equal(48 * 1024, report.L1DataBytes);
        Assert.Equal(1024 * 1024, report.L2Bytes);
    }

    [Fact]
    public void This_CPU_is_read_on_x86()
    {
        var report = CpuCacheReport.ReadThisCpu();
        if (System.Runtime.Intrinsics.X86.X86Base.IsSupported)
        {
            Assert.NotNull(report);
            Assert.False(string.IsNullOrWhiteSpace(report.Vendor));
        }
        else Assert.Null(report);
    }
}
