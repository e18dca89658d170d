namespace MlNetMoco.Core.Methods;

/// <summary>Which MoCo recipe the defaults follow.</summary>
public enum MoCoVersion
{
    /// <summary>MoCo v1 (He et al. 2019, arXiv:1911.05722): linear projection head, T = 0.07, step schedule, v1 augmentations.</summary>
    V1,

    /// <summary>MoCo v2 (Chen et al. 2020, arXiv:2003.04297): 2-layer MLP head, T = 0.2, cosine schedule, v2 augmentations (blur).</summary>
    V2,

    /// <summary>
    /// MoCo v3 (Chen, Xie, He 2021, arXiv:2104.02057): projector and predictor MLPs with BatchNorm, momentum encoder
    /// with a cosine momentum, symmetric contrastive loss over the batch (no queue), asymmetric views, LARS. Trained by
    /// <see cref="MoCoV3MethodOptions"/>; <see cref="MoCoMethodOptions"/> (the queue-based method) takes V1 and V2 only.
    /// </summary>
    V3,
}
