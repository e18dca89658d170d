using System.Runtime.Intrinsics.X86;
using System.Text;

namespace MlNetMoco.Core.Devices;

/// <summary>
/// The data-cache sizes an x86-64 CPU reports through the CPUID leaves that oneDNN's CPU detection (Xbyak) reads:
/// leaf 0x8000001D on AMD processors that have it (legacy leaves 0x80000005/6 otherwise), leaf 4 on Intel and others.
/// Virtual machines sometimes leave these leaves empty (<c>lscpu</c> then shows no cache sizes); libtorch 2.10's oneDNN
/// divides by zero in convolution backward on such hosts (see <see cref="OneDnnGuard"/>).
/// </summary>
/// <param name="Vendor">The CPUID vendor string, e.g. <c>GenuineIntel</c> or <c>AuthenticAMD</c>.</param>
/// <param name="Source">The CPUID leaf the sizes come from, e.g. <c>CPUID 0x8000001D</c>.</param>
/// <param name="L1DataBytes">Size of the level-1 data cache in bytes; 0 when not reported.</param>
/// <param name="L2Bytes">Size of the level-2 cache in bytes; 0 when not reported.</param>
public sealed record CpuCacheReport(string Vendor, string Source, long L1DataBytes, long L2Bytes)
{
    /// <summary>One CPUID query: (leaf, sub-leaf) → (EAX, EBX, ECX, EDX).</summary>
    public delegate (uint Eax, uint Ebx, uint Ecx, uint Edx) CpuidFunction(uint leaf, uint subLeaf);

    /// <summary>True when both the L1 data cache and the L2 cache have a size.</summary>
    public bool ReportsDataCaches => L1DataBytes > 0 && L2Bytes > 0;

    /// <summary>Reads this CPU; null when the process does not run on x86/x86-64 (no CPUID).</summary>
    public static CpuCacheReport? ReadThisCpu()
    {
        if (!X86Base.IsSupported) return null;
        return Decode((leaf, sub) =>
        {
            var (a, b, c, d) = X86Base.CpuId(unchecked((int)leaf), unchecked((int)sub));
            return (unchecked((uint)a), unchecked((uint)b), unchecked((uint)c), unchecked((uint)d));
        });
    }

    /// <summary>Decodes the cache sizes from a CPUID function, the way Xbyak's <c>setCacheHierarchy</c> reads them.</summary>
    public static CpuCacheReport Decode(CpuidFunction cpuid)
    {
        var (maxLeaf, b, c, d) = cpuid(0, 0);
        string vendor = Encoding.ASCII.GetString([.. BitConverter.GetBytes(b), .. BitConverter.GetBytes(d), .. BitConverter.GetBytes(c)]);
        if (vendor == "AuthenticAMD")
        {
            uint maxExtended = cpuid(0x80000000, 0).Eax;
            if (maxExtended >= 0x8000001D)
            {
                var (l1, l2) = Deterministic(cpuid, 0x8000001D);
                return new CpuCacheReport(vendor, "CPUID 0x8000001D", l1, l2);
            }
            long legacyL1 = maxExtended >= 0x80000005 ? (cpuid(0x80000005, 0).Ecx >> 24) * 1024L : 0;
            long legacyL2 = maxExtended >= 0x80000006 ? (cpuid(0x80000006, 0).Ecx >> 16) * 1024L : 0;
            return new CpuCacheReport(vendor, "CPUID 0x80000005/6", legacyL1, legacyL2);
        }
        if (maxLeaf < 4) return new CpuCacheReport(vendor, "none (CPUID leaf 4 absent)", 0, 0);
        var (intelL1, intelL2) = Deterministic(cpuid, 4);
        return new CpuCacheReport(vendor, "CPUID 4", intelL1, intelL2);
    }

    /// <summary>Walks a "deterministic cache parameters" leaf (4 or 0x8000001D) until its null entry.</summary>
    private static (long L1Data, long L2) Deterministic(CpuidFunction cpuid, uint leaf)
    {
        long l1 = 0, l2 = 0;
        for (uint sub = 0; sub < 16; sub++)
        {
            var (eax, ebx, ecx, _) = cpuid(leaf, sub);
            uint type = eax & 0x1F;               // 0 none (end), 1 data, 2 instruction, 3 unified
            if (type == 0) break;
            if (type == 2) continue;
            uint level = (eax >> 5) & 0x7;
            long size = (long)((ebx >> 22) + 1) * (((ebx >> 12) & 0x3FF) + 1) * ((ebx & 0xFFF) + 1) * ((long)ecx + 1);
            if (level == 1) l1 = size;
            else if (level == 2) l2 = size;
        }
        return (l1, l2);
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"{Vendor}, {Source}: L1d {Describe(L1DataBytes)}, L2 {Describe(L2Bytes)}";

    private static string Describe(long bytes) => bytes == 0 ? "not reported" : $"{bytes / 1024} KiB";
}
