using TorchSharp;

namespace MlNetMoco.Core;

/// <summary>
/// Process-lifetime <see cref="Scalar"/> constants for the per-step tensor code. TorchSharp turns a number passed to
/// a tensor op (<c>x * 2.0</c>, <c>clamp(0.0, 1.0)</c>) into a temporary <see cref="Scalar"/>, and so do its
/// <c>add</c>/<c>add_</c> overloads without an alpha (<c>a + b</c>, <c>a.add_(b)</c>, alpha 1) and
/// <c>Tensor.ToInt64()</c>/<c>ToDouble()</c>. Such a temporary is unreachable once its handle is taken, so its
/// finaliser may free the native value while the call that reads it is still running (seen as a c10 "toFloat" error
/// under forced garbage collections). Constants are held here for the life of the process; values known only at run
/// time are converted with <c>using var s = value.ToScalar();</c>; sums pass the alpha (<c>a.add(b, HeldScalars.One)</c>).
/// <c>HeldScalarsTests</c> scans the per-step namespaces of this assembly for such calls; <c>GcStressTests</c> trains
/// under forced collections.
/// </summary>
internal static class HeldScalars
{
    /// <summary>0.0 (float64 Scalar).</summary>
    public static readonly Scalar Zero = 0.0.ToScalar();

    /// <summary>1.0 (float64 Scalar).</summary>
    public static readonly Scalar One = 1.0.ToScalar();

    /// <summary>2.0 (float64 Scalar).</summary>
    public static readonly Scalar Two = 2.0.ToScalar();

    /// <summary>4.0 (float64 Scalar).</summary>
    public static readonly Scalar Four = 4.0.ToScalar();

    /// <summary>6.0 (float64 Scalar).</summary>
    public static readonly Scalar Six = 6.0.ToScalar();

    /// <summary>1 (int64 Scalar), for in-place arithmetic on integer tensors.</summary>
    public static readonly Scalar OneInt64 = 1L.ToScalar();

    /// <summary>0 (int64 Scalar), for comparisons with integer tensors.</summary>
    public static readonly Scalar ZeroInt64 = 0L.ToScalar();
}
