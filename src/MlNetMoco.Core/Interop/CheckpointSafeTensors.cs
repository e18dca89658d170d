using TorchSharp;
using System.Globalization;
using System.Text.Json;
using MlNetMoco.Core.Checkpoints;

namespace MlNetMoco.Core.Interop;

/// <summary>
/// The tensors of an MlNetMoco pretraining checkpoint as a safetensors file for PyTorch: the method's state under its
/// own names (MoCo: <c>encoder_q.*</c>, <c>encoder_k.*</c>, <c>queue</c>, <c>queue_ptr</c>, as facebookresearch/moco
/// names them without DistributedDataParallel's <c>module.</c>), the optimizer's state as one uint8 tensor
/// <see cref="OptimizerStateName"/> (the bytes of <c>TrainingOptimizer.SaveState</c>: TorchSharp's serialisation, opaque
/// to PyTorch, kept so the file can resume a run), and the <see cref="CheckpointHeader"/> as JSON in the metadata. In PyTorch,
/// <c>{k[10:]: v for k, v in load_file(p).items() if k.startswith("encoder_q.")}</c> is a torchvision state dict.
/// </summary>
public static class CheckpointSafeTensors
{
    /// <summary>Metadata key of the checkpoint header JSON.</summary>
    public const string HeaderKey = "mlnetmoco.checkpoint_header";

    /// <summary>Name of the uint8 tensor holding the optimizer's state bytes.</summary>
    public const string OptimizerStateName = "mlnetmoco.optimizer_state";

    /// <summary>Converts the checkpoint at <paramref name="checkpointPath"/> (<see cref="CheckpointFile"/>) to safetensors at <paramref name="destination"/>.</summary>
    /// <param name="checkpointPath">An MlNetMoco checkpoint.</param>
    /// <param name="destination">The safetensors file to write.</param>
    /// <exception cref="InvalidDataException">The checkpoint is corrupt (see <see cref="CheckpointFile.Load"/>).</exception>
    public static void Export(string checkpointPath, string destination)
    {
        using var checkpoint = CheckpointFile.Load(checkpointPath);
        Write(checkpoint, destination);
    }

    /// <summary>Writes <paramref name="checkpoint"/> to <paramref name="destination"/> as safetensors.</summary>
    /// <param name="checkpoint">A checkpoint read by <see cref="CheckpointFile.Load"/>.</param>
    /// <param name="destination">The safetensors file to write.</param>
    public static void Write(LoadedCheckpoint checkpoint, string destination)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        using var state = torch.tensor(checkpoint.OptimizerState, dtype: torch.ScalarType.Byte);
        var tensors = checkpoint.Model.Append((OptimizerStateName, state)).ToList();
        var metadata = new Dictionary<string, string>
        {
            ["format"] = "pt",
            [HeaderKey] = JsonSerializer.Serialize(checkpoint.Header),
            ["epoch"] = checkpoint.Header.Epoch.ToString(CultureInfo.InvariantCulture),
            ["method"] = checkpoint.Header.Method,
        };
        SafeTensors.Write(destination, tensors, metadata);
    }

    /// <summary>Reads a file written by <see cref="Write"/> back into a checkpoint (e.g. to resume from it); the caller owns the tensors.</summary>
    /// <param name="path">The safetensors file.</param>
    /// <exception cref="InvalidDataException">The file is corrupt or has no checkpoint header in its metadata.</exception>
    public static LoadedCheckpoint Read(string path)
    {
        var set = SafeTensors.Read(path);
        if (!set.Metadata.TryGetValue(HeaderKey, out var json))
        {
            set.Dispose();
            throw new InvalidDataException($"The safetensors file '{path}' is not an MlNetMoco checkpoint: its metadata has no '{HeaderKey}'.");
        }
        CheckpointHeader header;
        try
        {
            header = JsonSerializer.Deserialize<CheckpointHeader>(json) ?? throw new JsonException("null header");
        }
        catch (JsonException e)
        {
            set.Dispose();
            throw new InvalidDataException($"The safetensors file '{path}' has an unreadable checkpoint header: {e.Message}", e);
        }
        var model = set.Tensors.Where(t => t.Name != OptimizerStateName).ToList();
        byte[] optimizer = [];
        foreach (var (name, tensor) in set.Tensors.Where(t => t.Name == OptimizerStateName))
        {
            optimizer = tensor.data<byte>().ToArray();
            tensor.Dispose();
        }
        return new LoadedCheckpoint(header, model, optimizer);
    }
}
