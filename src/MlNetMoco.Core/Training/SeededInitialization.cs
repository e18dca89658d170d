using MlNetMoco.Core.Backbones;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Training;

/// <summary>
/// Re-draws the random initial weights of a network from a private generator, with the distributions the modules
/// already use (convolutions: Kaiming normal, fan-out, ReLU gain, as torchvision's ResNet; linear layers: PyTorch's
/// default U(±1/√fan_in)). TorchSharp's Kaiming initialisers draw from the process-wide generator, which another
/// thread may reseed or consume at the same time; drawing from a private one makes "same seed → same run" hold
/// whatever else the process does. BatchNorm parameters are deterministic and left as they are. A
/// <see cref="VisionTransformer"/>'s trunk is drawn by its own initialisation (vits.py's) from the same generator.
/// </summary>
public static class SeededInitialization
{
    /// <summary>Re-initialises every convolution and linear layer of <paramref name="module"/> in module order.</summary>
    public static void Apply(nn.Module module, Generator generator)
    {
        using var noGrad = no_grad();
        var transformers = new List<string>();
        var all = module.named_modules().ToList();
        if (!all.Any(m => m.name.Length == 0)) all.Insert(0, ("", module)); // TorchSharp leaves the module itself out
        foreach (var (name, child) in all)
        {
            // A ViT draws its trunk itself (vits.py's initialisation); its head (fc) is initialised as any other module.
            if (transformers.Any(t => Under(name, t) && !Under(name, t.Length == 0 ? "fc" : t + ".fc"))) continue;
            switch (child)
            {
                case VisionTransformer vit:
                    vit.InitializeTrunk(generator);
                    transformers.Add(name);
                    break;
                case Conv2d conv:
                    long fanOut = conv.weight!.shape[0] * conv.weight.shape[2] * conv.weight.shape[3];
                    Normal(conv.weight, Math.Sqrt(2.0 / fanOut), generator);
                    break;
                case Linear linear:
                    double bound = 1.0 / Math.Sqrt(linear.weight!.shape[1]);
                    Uniform(linear.weight, bound, generator);
                    if (linear.bias is not null) Uniform(linear.bias, bound, generator);
                    break;
            }
        }
    }

    private static bool Under(string name, string prefix) =>
        prefix.Length == 0 || name == prefix || name.StartsWith(prefix + ".", StringComparison.Ordinal);

    /// <summary>Fills <paramref name="target"/> with N(0, std²) drawn on the CPU from <paramref name="generator"/> (null: torch's global one), then copied, so the result does not depend on the device.</summary>
    internal static void Normal(Tensor target, double std, Generator? generator)
    {
        using var s = std.ToScalar();
        using var values = randn(target.shape, generator: generator).mul_(s);
        target.copy_(values);
    }

    /// <summary>Fills <paramref name="target"/> with U(−bound, bound) drawn on the CPU from <paramref name="generator"/> (null: torch's global one).</summary>
    internal static void Uniform(Tensor target, double bound, Generator? generator)
    {
        using var width = (2 * bound).ToScalar();
        using var low = bound.ToScalar();
        using var values = rand(target.shape, generator: generator).mul_(width).sub_(low);
        target.copy_(values);
    }
}
