using static TorchSharp.torch;
using TorchSharp.Modules;

namespace MlNetMoco.Core.Optimization;

/// <summary>
/// Parameters the optimizer updates with the same settings, as a method's <c>TrainableParameters()</c> returns them:
/// e.g. a backbone at a lower learning rate than its head when fine-tuning, or biases and normalisation parameters
/// without weight decay.
/// </summary>
/// <param name="Name">What the group is, for messages and checkpoints (e.g. "backbone", "head").</param>
/// <param name="Parameters">The parameters with their names (names key the optimizer state in checkpoints).</param>
public sealed record ParameterGroup(string Name, IReadOnlyList<(string Name, Parameter Parameter)> Parameters)
{
    /// <summary>The group's learning rate as a multiple of the scheduled rate. Default 1.</summary>
    public double LearningRateScale { get; init; } = 1.0;

    /// <summary>The group's weight decay; null takes <see cref="OptimizerOptions.WeightDecay"/>. Default null.</summary>
    public double? WeightDecay { get; init; }

    /// <summary>
    /// Every parameter of <paramref name="module"/> in one group called <paramref name="name"/>, each named
    /// <paramref name="prefix"/> + its name in the module (the name it has in the method's state dict).
    /// </summary>
    /// <param name="name">Name of the group, e.g. "encoder_q".</param>
    /// <param name="module">The module whose parameters are trained, e.g. a method's online encoder.</param>
    /// <param name="prefix">The module's prefix in the method's state dict, e.g. "encoder_q.".</param>
    public static ParameterGroup Of(string name, nn.Module module, string prefix) =>
        new(name, module.named_parameters().Select(p => (prefix + p.name, p.parameter)).ToArray());

    /// <summary>
    /// Splits <paramref name="parameters"/> into "{name}" (weight matrices and convolution kernels) and
    /// "{name}.no-decay" (every 1-D parameter: biases and normalisation scales and shifts) with weight decay 0, the
    /// usual exclusion of fine-tuning recipes and of MoCo v3. Empty groups are left out.
    /// </summary>
    /// <param name="name">Name of the decayed group.</param>
    /// <param name="parameters">The parameters.</param>
    /// <param name="learningRateScale">Learning-rate multiple of both groups. Default 1.</param>
    public static IEnumerable<ParameterGroup> SplitDecay(string name, IEnumerable<(string Name, Parameter Parameter)> parameters, double learningRateScale = 1.0)
    {
        var all = parameters.ToList();
        var decayed = all.Where(p => p.Parameter.ndim > 1).ToList();
        var plain = all.Where(p => p.Parameter.ndim <= 1).ToList();
        if (decayed.Count > 0) yield return new ParameterGroup(name, decayed) { LearningRateScale = learningRateScale };
        if (plain.Count > 0) yield return new ParameterGroup(name + ".no-decay", plain) { LearningRateScale = learningRateScale, WeightDecay = 0 };
    }
}
