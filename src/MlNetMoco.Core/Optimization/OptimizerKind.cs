namespace MlNetMoco.Core.Optimization;

/// <summary>The optimizer of a training run (<see cref="OptimizerOptions.Kind"/>).</summary>
public enum OptimizerKind
{
    /// <summary>
    /// <c>torch.optim.SGD</c> with momentum and L2 weight decay (dampening 0, no Nesterov): MoCo v1/v2 (He et al. 2019,
    /// Chen et al. 2020) with momentum 0.9 and weight decay 1e-4.
    /// </summary>
    Sgd,

    /// <summary>
    /// <c>torch.optim.AdamW</c> (Loshchilov &amp; Hutter 2019, decoupled weight decay): MoCo v3's optimizer for ViTs
    /// (Chen et al. 2021: β = (0.9, 0.999) ... weight decay 0.1).
    /// </summary>
    AdamW,

    /// <summary>
    /// LARS (You et al. 2017) as in facebookresearch/moco-v3: SGD with momentum whose step of each weight matrix is
    /// scaled by trust·‖θ‖/‖∇ + wd·θ‖; biases and BatchNorm parameters get neither weight decay nor that scaling
    /// (MoCo v3's ResNet-50 recipe). See <see cref="Lars"/>.
    /// </summary>
    Lars,
}
