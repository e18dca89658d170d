using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Methods;

/// <summary>The momentum ("EMA") update of a target network, as in MoCo (θk ← m·θk + (1−m)·θq), BYOL and DINO.</summary>
public static class MomentumUpdate
{
    /// <summary>Copies <paramref name="source"/>'s parameters into <paramref name="target"/> and stops their gradients.</summary>
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
    public static void Apply(nn.Module target, nn.Module source, double momentum)
    {
        using var noGrad = no_grad();
        foreach (var (t, s) in Pairs(target, source))
            t.mul_(momentum).add_(s, alpha: 1 - momentum);
    }

    private static IEnumerable<(Tensor Target, Tensor Source)> Pairs(nn.Module target, nn.Module source)
    {
        var t = target.named_parameters().ToList();
        var s = source.named_parameters().ToList();
        if (t.Count != s.Count)
            throw new ArgumentException($"Momentum update needs twin networks: {t.Count} vs {s.Count} parameters.");
        for (int i = 0; i < t.Count; i++)
        {
            if (t[i].name != s[i].name || !t[i].parameter.shape.SequenceEqual(s[i].parameter.shape))
                throw new ArgumentException($"Momentum update needs twin networks: '{t[i].name}' does not match '{s[i].name}'.");
            yield return (t[i].parameter, s[i].parameter);
        }
    }
}
