namespace MlNetMoco.Core.Optimization;

/// <summary>
/// Which optimizer a training run uses and its hyper-parameters (the learning rate comes from the schedule). Defaults
/// are MoCo v1/v2's SGD (facebookresearch/moco <c>main_moco.py</c>): momentum 0.9, weight decay 1e-4.
/// </summary>
public sealed record OptimizerOptions
{
    /// <summary>The algorithm. Default <see cref="OptimizerKind.Sgd"/> (MoCo v1/v2).</summary>
    public OptimizerKind Kind { get; init; } = OptimizerKind.Sgd;

    /// <summary>Momentum of SGD and LARS. Default 0.9 (MoCo v1/v2/v3).</summary>
    public double Momentum { get; init; } = Training.MoCoDefaults.SgdMomentum;

    /// <summary>
    /// Weight decay: L2 added to the gradient for SGD and LARS, decoupled (θ ← θ·(1 − lr·wd)) for AdamW. A
    /// <see cref="ParameterGroup"/> may override it (e.g. 0 for biases and BatchNorm). Default 1e-4 (MoCo v1/v2).
    /// </summary>
    public double WeightDecay { get; init; } = Training.MoCoDefaults.WeightDecay;

    /// <summary>AdamW's β₁. Default 0.9 (PyTorch, MoCo v3).</summary>
    public double Beta1 { get; init; } = 0.9;

    /// <summary>AdamW's β₂. Default 0.999 (PyTorch; MoCo v3 uses 0.95 for ViTs).</summary>
    public double Beta2 { get; init; } = 0.999;

    /// <summary>AdamW's ε. Default 1e-8 (PyTorch).</summary>
    public double Epsilon { get; init; } = 1e-8;

    /// <summary>LARS trust coefficient η. Default 0.001 (You et al. 2017, facebookresearch/moco-v3).</summary>
    public double TrustCoefficient { get; init; } = 0.001;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting that is out of range.</summary>
    /// <returns>These options.</returns>
    public OptimizerOptions Validate()
    {
        static void Check(bool ok, string name, object value, string expected)
        {
            if (!ok) throw new ArgumentException($"Optimizer.{name} = {value} is not valid: expected {expected}.", name);
        }
        Check(Enum.IsDefined(Kind), nameof(Kind), Kind, string.Join(", ", Enum.GetNames<OptimizerKind>()));
        Check(Momentum is >= 0 and < 1, nameof(Momentum), Momentum, "a value in [0, 1)");
        Check(WeightDecay >= 0 && double.IsFinite(WeightDecay), nameof(WeightDecay), WeightDecay, "a non-negative number");
        Check(Beta1 is >= 0 and < 1, nameof(Beta1), Beta1, "a value in [0, 1)");
        Check(Beta2 is >= 0 and < 1, nameof(Beta2), Beta2, "a value in [0, 1)");
        Check(Epsilon > 0, nameof(Epsilon), Epsilon, "a positive number");
        Check(TrustCoefficient > 0 && double.IsFinite(TrustCoefficient), nameof(TrustCoefficient), TrustCoefficient, "a positive number");
        return this;
    }
}
