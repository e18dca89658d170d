namespace MlNetMoco.Core.Augmentations;

/// <summary>The augmentation recipes of the MoCo papers (see <see cref="AugmentationPresets"/>).</summary>
public enum AugmentationPreset
{
    /// <summary>MoCo v1 (He et al. 2019, arXiv:1911.05722): crop, grayscale 0.2, colour jitter 0.4 (always), flip.</summary>
    MoCoV1,

    /// <summary>MoCo v2 (Chen et al. 2020, arXiv:2003.04297): crop, colour jitter p = 0.8, grayscale 0.2, blur p = 0.5, flip.</summary>
    MoCoV2,
}
