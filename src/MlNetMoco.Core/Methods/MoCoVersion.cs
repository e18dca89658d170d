namespace MlNetMoco.Core.Methods;

/// <summary>Which MoCo recipe the defaults follow.</summary>
public enum MoCoVersion
{
    /// <summary>MoCo v1 (He et al. 2019, arXiv:1911.05722): linear projection head, T = 0.07, step schedule, v1 augmentations.</summary>
    V1,

    /// <summary>MoCo v2 (Chen et al. 2020, arXiv:2003.04297): 2-layer MLP head, T = 0.2, cosine schedule, v2 augmentations (blur).</summary>
    V2,
}
