using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Backbones;

/// <summary>
/// An image encoder: a convolutional trunk whose globally average-pooled output (<see cref="Features"/>,
/// N×<see cref="FeatureDim"/>) feeds a head registered under the name <c>fc</c>, as torchvision names its
/// classifier. MoCo puts its projection head there; the linear protocol reads <see cref="Features"/>.
/// </summary>
public abstract class Backbone : nn.Module<Tensor, Tensor>
{
    // Registered by the subclass's RegisterComponents(); base-class fields come after the subclass's,
    // so "fc" is the last entry of the state dict, as in torchvision.
    private readonly nn.Module<Tensor, Tensor> fc;

    /// <summary>Stores the input channel count and the head; the subclass builds the trunk and calls <c>RegisterComponents()</c>.</summary>
    /// <param name="name">Module name.</param>
    /// <param name="inChannels">Number of input channels (1 grayscale, 3 RGB, any ≥ 1).</param>
    /// <param name="head">Module applied to the pooled features by <see cref="forward"/>; null → identity.</param>
    protected Backbone(string name, int inChannels, nn.Module<Tensor, Tensor>? head) : base(name)
    {
        if (inChannels < 1)
            throw new ArgumentOutOfRangeException(nameof(inChannels), inChannels, "A backbone needs at least 1 input channel.");
        InChannels = inChannels;
        fc = head ?? nn.Identity();
    }

    /// <summary>Number of channels C of the N×C×H×W input.</summary>
    public int InChannels { get; }

    /// <summary>Dimension of the pooled representation returned by <see cref="Features"/>.</summary>
    public abstract int FeatureDim { get; }

    /// <summary>The head (the <c>fc</c> submodule) applied to the features by <see cref="forward"/>; identity when none was given.</summary>
    public nn.Module<Tensor, Tensor> Head => fc;

    /// <summary>The pooled representation: N×C×H×W images → N×<see cref="FeatureDim"/> (global average pool, flattened).</summary>
    /// <param name="x">Images, N×<see cref="InChannels"/>×H×W.</param>
    public abstract Tensor Features(Tensor x);

    /// <summary>The head applied to the pooled features: <c>fc(Features(x))</c>.</summary>
    /// <param name="x">Images, N×<see cref="InChannels"/>×H×W.</param>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return fc.call(Features(x)).MoveToOuterDisposeScope();
    }

    /// <summary>Throws a clear <see cref="ArgumentException"/> unless <paramref name="x"/> is N×<see cref="InChannels"/>×H×W.</summary>
    /// <param name="x">The input to check.</param>
    protected void ValidateInput(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.ndim != 4)
            throw new ArgumentException($"{GetName()} expects N×C×H×W images, but got a {x.ndim}-D tensor of shape [{string.Join(", ", x.shape)}].", nameof(x));
        if (x.shape[1] != InChannels)
            throw new ArgumentException($"{GetName()} expects {InChannels} input channel(s), but the images have {x.shape[1]}.", nameof(x));
    }

    /// <summary>
    /// torchvision's initialisation of the trunk (everything but <c>fc</c>, which keeps its own): convolutions
    /// Kaiming-normal (fan-out, ReLU), BatchNorm weight 1 and bias 0. Draws from torch's global generator.
    /// Call after <c>RegisterComponents()</c>.
    /// </summary>
    protected void InitializeTrunk()
    {
        using var noGrad = no_grad();
        foreach (var (name, module) in named_modules())
        {
            if (name == nameof(fc) || name.StartsWith(nameof(fc) + ".", StringComparison.Ordinal))
                continue;
            switch (module)
            {
                case Conv2d conv:
                    nn.init.kaiming_normal_(conv.weight, mode: nn.init.FanInOut.FanOut, nonlinearity: nn.init.NonlinearityType.ReLU);
                    if (conv.bias is not null)
                        nn.init.zeros_(conv.bias);
                    break;
                case BatchNorm bn:
                    nn.init.ones_(bn.weight);
                    if (bn.bias is not null)
                        nn.init.zeros_(bn.bias);
                    break;
            }
        }
    }
}
