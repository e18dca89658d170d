namespace MlNetMoco;

public sealed partial class MoCoOptions
{
    /// <summary>
    /// A weight file whose backbone weights start the query encoder (and its momentum copy) instead of a random
    /// initialisation: continue MoCo pretraining from weights pretrained elsewhere (HPT: Reed et al. 2022,
    /// "Self-Supervised Pretraining Improves Self-Supervised Pretraining"). Any file <c>StateDictImport.Read</c> takes:
    /// a facebookresearch/moco checkpoint (<c>module.encoder_q.*</c>, e.g. <c>moco_v2_800ep_pretrain.pth.tar</c>), a
    /// moco-v3 checkpoint (<c>module.base_encoder.*</c>, ResNet or ViT), a torchvision ResNet or timm-named ViT state
    /// dict, a safetensors file, or an MlNetMoco encoder file or checkpoint. The file's architecture must match
    /// <see cref="Backbone"/>, <see cref="SmallImageStem"/> (ResNets), <see cref="PatchSize"/> and the image side (ViTs)
    /// and the input's channels; that is checked before any row is read. The projection
    /// head starts afresh. Ignored when resuming from a checkpoint (<see cref="ResumeFrom"/>). Default null (random
    /// initialisation).
    /// </summary>
    public string? InitialWeights { get; set; }

    /// <summary>
    /// The key prefix of the encoder inside <see cref="InitialWeights"/> (e.g. <c>"module.encoder_q."</c>); null
    /// detects it (facebookresearch/moco, moco-v3, torchvision and MlNetMoco layouts). Default null.
    /// </summary>
    public string? InitialWeightsPrefix { get; set; }
}
