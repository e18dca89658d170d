using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Training;

/// <summary>
/// Re-draws the random initial weights of a network from a private generator, with the distributions the modules
/// already use (convolutions: Kaiming normal, fan-out, ReLU gain, as torchvision's ResNet; linear layers: PyTorch's
/// default U(±1/√fan_in)). TorchSharp's Kaiming initialisers draw from the process-wide generator, which another
/// thread may reseed or consume at the same time; drawing from a private one makes "same seed → same run" hold
/// whatever else the process does. BatchNorm parameters are deterministic and left as they are.
/// </summary>
public static class SeededInitialization
{
    /// <summary>Re-initialises every convolution and linear layer of <paramref name="module"/> in module order.</summary>
    public static void Apply(nn.Module module, Generator generator)
    {
        using var noGrad = no_grad();
        foreach (var (_, child) in module.named_modules())
        {
            switch (child)
            {
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

    // Drawn on the CPU with the generator, then copied, so the result does not depend on the device.
    private static void Normal(Tensor target, double std, Generator generator)
    {
        using var s = std.ToScalar();
        using var values = randn(target.shape, generator: generator).mul_(s);
        target.copy_(values);
    }

    private static void Uniform(Tensor target, double bound, Generator generator)
    {
        using var width = (2 * bound).ToScalar();
        using var low = bound.ToScalar();
        using var values = rand(target.shape, generator: generator).mul_(width).sub_(low);
        target.copy_(values);
    }
}
