namespace MlNetMoco.Core.Interop;

/// <summary>How the encoder's tensors are named inside a state dict; <see cref="StateDictImport"/> detects it from the keys.</summary>
public enum StateDictLayout
{
    /// <summary>
    /// MoCo v1/v2 (facebookresearch/moco <c>main_moco.py</c>, He et al. 2019; Chen et al. 2020): the query encoder under
    /// <c>module.encoder_q.</c> (<c>encoder_q.</c> without DistributedDataParallel, as in MlNetMoco checkpoints); the key
    /// encoder, <c>queue</c> and <c>queue_ptr</c> are not imported.
    /// </summary>
    MoCo,

    /// <summary>
    /// MoCo v3 (facebookresearch/moco-v3, Chen et al. 2021): the base encoder under <c>module.base_encoder.</c> (or
    /// <c>base_encoder.</c>); the momentum encoder and the predictor are not imported.
    /// </summary>
    MoCoV3,

    /// <summary>A bare encoder with torchvision names (<c>conv1.weight</c>, <c>layer1.0.conv1.weight</c>, …, <c>fc.*</c>) or timm ViT names (<c>patch_embed.proj.weight</c>, <c>blocks.0.*</c>, …, <c>head.*</c>), possibly under <c>module.</c>.</summary>
    Encoder,

    /// <summary>Tensors under a prefix the caller named explicitly.</summary>
    Custom,
}
