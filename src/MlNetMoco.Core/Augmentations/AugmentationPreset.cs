namespace MlNetMoco.Core.Augmentations;

/// <summary>The augmentation recipes of the MoCo papers (see <see cref="AugmentationPresets"/>).</summary>
public enum AugmentationPreset
{
    /// <summary>MoCo v1 (He et al. 2019, arXiv:1911.05722): crop, grayscale 0.2, colour jitter 0.4 (always), flip.</summary>
    MoCoV1,

    /// <summary>MoCo v2 (Chen et al. 2020, arXiv:2003.04297): crop, colour jitter p = 0.8, grayscale 0.2, blur p = 0.5, flip.</summary>
    MoCoV2,

    /// <summary>
    /// MoCo v3's first view (Chen, Xie, He 2021, arXiv:2104.02057; BYOL's): crop 0.08–1, colour jitter (0.4, 0.4, 0.2,
    /// 0.1) p = 0.8, grayscale 0.2, blur p = 1, flip.
    /// </summary>
    MoCoV3View1,

    /// <summary>MoCo v3's second view: as <see cref="MoCoV3View1"/> with blur p = 0.1 and solarisation p = 0.2.</summary>
    MoCoV3View2,
}
