namespace MlNetMoco.Core.Devices;

/// <summary>
/// How <see cref="OneDnnGuard"/> treats libtorch's oneDNN, chosen with the environment variable
/// <c>MLNETMOCO_ONEDNN_WORKAROUND</c> (<c>auto</c>, <c>force</c> or <c>off</c>; default <c>auto</c>).
/// </summary>
public enum OneDnnWorkaroundMode
{
    /// <summary>Cap oneDNN's instruction set only where the CPU reports no data-cache sizes (default).</summary>
    Auto,

    /// <summary>Always cap oneDNN's instruction set, also over a user's own <c>ONEDNN_MAX_CPU_ISA</c> (tests, diagnosis).</summary>
    Force,

    /// <summary>Never touch oneDNN, even on a CPU where ResNet-50 convolution backward is known to crash.</summary>
    Off,
}
