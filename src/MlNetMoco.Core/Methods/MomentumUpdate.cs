using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Methods;

/// <summary>The momentum ("EMA") update of a target network, as in MoCo (θk ← m·θk + (1−m)·θq), BYOL and DINO.</summary>
public static class MomentumUpdate
{
    /// <summary>Copies <paramref name="source"/>'s parameters into <paramref name="target"/> and stops their gradients.</summary>
    /// <param name="target">The momentum network.</param>
    /// <param name="source">The trained network of the same architecture.</param>
    /// <exception cref="ArgumentException">The networks' parameters differ in names or shapes.</exception>
    public static void Initialize(nn.Module target, nn.Module source)
    {
        using var noGrad = no_grad();
        foreach (var (t, s) in Pairs(target, source))
        {
            t.copy_(s);
            t.requires_grad = false;
        }
    }

    /// <summary>θtarget ← m·θtarget + (1−m)·θsource for every parameter, in place, without gradient.</summary>
    /// <param name="target">The momentum network.</param>
    /// <param name="source">The trained network of the same architecture.</param>
    /// <param name="momentum">m in [0, 1].</param>
    public static void Apply(nn.Module target, nn.Module source, double momentum) => Apply(Pairs(target, source), momentum);

    /// <summary>
    /// The update over pairs prepared once by <see cref="Pairs"/> (a training step then walks no module tree and
    /// compares no names): θtarget ← m·θtarget + (1−m)·θsource, in place, without gradient. Written as one
    /// <c>lerp_</c> per parameter (θtarget + (1−m)·(θsource − θtarget)): one pass over the weights instead of the two
    /// of <c>mul_(m).add_(θsource, 1−m)</c>; m = 1 leaves θtarget as it is and m = 0 copies θsource exactly.
    /// </summary>
    /// <param name="pairs">(target, source) parameter pairs.</param>
    /// <param name="momentum">m in [0, 1].</param>
    public static void Apply(IReadOnlyList<(Tensor Target, Tensor Source)> pairs, double momentum)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        if (pairs.Count == 0) return;
        using var noGrad = no_grad();
        // A 0-dim weight on the parameters' device and of their type (lerp_ takes a tensor weight here).
        var first = pairs[0].Target;
        // The Scalar is explicit: an implicit double → Scalar temporary may be finalised during the native call using it.
        using var oneMinusM = (1 - momentum).ToScalar();
        using var weight = full(Array.Empty<long>(), oneMinusM, dtype: first.dtype, device: first.device);
        foreach (var (t, s) in pairs) t.lerp_(s, weight);
    }

    /// <summary>The parameters of two networks of the same architecture, paired by name (checked once here).</summary>
    /// <param name="target">The momentum network.</param>
    /// <param name="source">The trained network.</param>
    /// <exception cref="ArgumentException">The networks' parameters differ in number, names or shapes (the first difference is named).</exception>
    public static IReadOnlyList<(Tensor Target, Tensor Source)> Pairs(nn.Module target, nn.Module source)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(source);
        var t = target.named_parameters().ToList();
        var s = source.named_parameters().ToList();
        if (t.Count != s.Count)
            throw new ArgumentException($"Momentum update needs twin networks: {t.Count} vs {s.Count} parameters.");
        var pairs = new (Tensor, Tensor)[t.Count];
        for (int i = 0; i < t.Count; i++)
        {
            if (t[i].name != s[i].name || !t[i].parameter.shape.SequenceEqual(s[i].parameter.shape))
                throw new ArgumentException($"Momentum update needs twin networks: '{t[i].name}' does not match '{s[i].name}'.");
            pairs[i] = (t[i].parameter, s[i].parameter);
        }
        return pairs;
    }
}
