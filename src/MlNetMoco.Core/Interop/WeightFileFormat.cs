namespace MlNetMoco.Core.Interop;

/// <summary>The container formats <see cref="StateDictImport"/> recognises from a file's first bytes.</summary>
public enum WeightFileFormat
{
    /// <summary>safetensors (Hugging Face): header length, JSON header, raw data.</summary>
    SafeTensors,

    /// <summary>PyTorch's zip format of <c>torch.save</c> (PyTorch ≥ 1.6), e.g. <c>checkpoint_0199.pth.tar</c>.</summary>
    TorchZip,

    /// <summary>PyTorch's legacy <c>torch.save</c> format (PyTorch &lt; 1.6, or <c>_use_new_zipfile_serialization=False</c>).</summary>
    TorchLegacy,

    /// <summary>An MlNetMoco encoder file (<c>TrainedEncoder.Save</c>, header <c>MLNETMOCO-ENC</c>).</summary>
    MlNetMocoEncoder,

    /// <summary>An MlNetMoco pretraining checkpoint (<c>CheckpointFile</c>, header <c>MLNETMOCO-CKPT</c>).</summary>
    MlNetMocoCheckpoint,
}
