namespace MlNetMoco.Core.Training;

/// <summary>Where the settings left unset (null) come from: <see cref="AutoRecipe.Choose"/> or <see cref="AutoRecipe.Paper"/>.</summary>
public enum MoCoRecipe
{
    /// <summary>
    /// Adapted to the input (image count, channels, size, device) by <see cref="AutoRecipe.Choose"/>, with one logged
    /// reason per choice. An MlNetMoco addition, for users' pools of a few thousand small images.
    /// </summary>
    Auto,

    /// <summary>
    /// The papers' settings (facebookresearch/moco <c>main_moco.py</c>, MoCo v1 He et al. 2019 and v2 Chen et al. 2020:
    /// ResNet-18 here, 200 epochs, batch 256, lr 0.03, K = 65536, m = 0.999, crops 0.2–1, flip, blur), from
    /// <see cref="MoCoDefaults"/>.
    /// </summary>
    Paper,
}
