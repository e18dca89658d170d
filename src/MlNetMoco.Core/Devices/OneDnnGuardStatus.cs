namespace MlNetMoco.Core.Devices;

/// <summary>What <see cref="OneDnnGuard"/> did in this process, and why.</summary>
/// <param name="Mode">The mode in force (from <c>MLNETMOCO_ONEDNN_WORKAROUND</c>).</param>
/// <param name="Capped">True when oneDNN's instruction set was capped at <see cref="OneDnnGuard.CappedIsa"/>.</param>
/// <param name="Summary">A few words for the <see cref="TorchDiagnostics"/> line, e.g. <c>ISA capped at AVX (CPU reports no cache sizes)</c>.</param>
/// <param name="Message">One sentence for the training log: what was done and why.</param>
/// <param name="Cpu">The CPU's cache report; null off x86.</param>
public sealed record OneDnnGuardStatus(OneDnnWorkaroundMode Mode, bool Capped, string Summary, string Message, CpuCacheReport? Cpu);
