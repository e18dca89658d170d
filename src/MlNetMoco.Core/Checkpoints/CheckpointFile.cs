using System.Security.Cryptography;
using System.Text.Json;
using MlNetMoco.Core.Devices;
using MlNetMoco.Core.Inference;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Checkpoints;

/// <summary>
/// Checkpoint files: magic, format version, header JSON (<see cref="CheckpointHeader"/>), the method's state dict
/// (every parameter and buffer, e.g. both MoCo encoders, queue and pointer) as a <see cref="TensorArchive"/>, the
/// optimizer's state (<see cref="Optimization.TrainingOptimizer.SaveState"/>), and a SHA-256 of all that. Written to a
/// temporary file and renamed, so a crash never leaves a half-written checkpoint under the final name.
/// </summary>
public static class CheckpointFile
{
    private const string Magic = "MLNETMOCO-CKPT";

    /// <summary>The current format version.</summary>
    public const int FormatVersion = 2;

    /// <summary>Writes a checkpoint atomically (temp file + rename).</summary>
    /// <param name="path">The file.</param>
    /// <param name="header">Position and configuration.</param>
    /// <param name="model">The method's module (its state dict is written).</param>
    /// <param name="optimizerState">The optimizer's state bytes.</param>
    public static void Save(string path, CheckpointHeader header, nn.Module model, byte[] optimizerState)
    {
        using var body = new MemoryStream();
        using (var writer = new BinaryWriter(body, TensorArchive.Utf8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write(FormatVersion);
            writer.Write(JsonSerializer.Serialize(header));
            TensorArchive.Write(writer, model.state_dict().Select(kv => (kv.Key, kv.Value)).ToList());
            writer.Write(optimizerState.Length);
            writer.Write(optimizerState);
        }
        byte[] hash = SHA256.HashData(body.GetBuffer().AsSpan(0, (int)body.Length));

        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string temp = full + ".tmp";
        using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            body.Position = 0;
            body.CopyTo(file);
            file.Write(hash);
            file.Flush(flushToDisk: true);
        }
        File.Move(temp, full, overwrite: true);
    }

    /// <summary>Reads a checkpoint to resume from; the caller owns (and disposes) the returned tensors.</summary>
    /// <param name="path">The file.</param>
    /// <exception cref="InvalidDataException">
    /// The file is not a checkpoint, is corrupt, or is of another format version (a format-1 checkpoint of MlNetMoco 0.1
    /// is refused with the way to continue from its weights: <see cref="ReadEncoder"/>).
    /// </exception>
    public static LoadedCheckpoint Load(string path)
    {
        var (version, reader) = Open(path);
        using (reader)
        {
            if (version == 1)
                throw new InvalidDataException(
                    $"Checkpoint '{path}' has format 1: it was written by MlNetMoco 0.1, before training methods became pluggable, " +
                    "and this version cannot resume it (the optimizer and method state are stored differently). Resume it with MlNetMoco 0.1, " +
                    "or start a new run from its query encoder: CheckpointFile.ReadEncoder(path) returns it as a TrainedEncoder, which " +
                    "Trainer.InitializeFrom takes and TrainedEncoder.Save writes as an encoder file.");
            if (version != FormatVersion)
                throw new InvalidDataException($"'{path}' has checkpoint format version {version}; this library reads version {FormatVersion}.");
            var header = JsonSerializer.Deserialize<CheckpointHeader>(reader.ReadString())
                         ?? throw new InvalidDataException($"Checkpoint '{path}' has no header.");
            var model = TensorArchive.Read(reader, $"Checkpoint '{path}'");
            try
            {
                int length = reader.ReadInt32();
                if (length < 0) throw new InvalidDataException($"Checkpoint '{path}' is corrupt (optimizer state of {length} bytes).");
                return new LoadedCheckpoint(header, model, reader.ReadBytes(length));
            }
            catch
            {
                foreach (var (_, t) in model) t.Dispose();
                throw;
            }
        }
    }

    /// <summary>
    /// The online encoder (backbone and head) of a checkpoint, without the method: to keep the weights of a run, to
    /// fine-tune from them, or to start a new run from a checkpoint this version cannot resume. Reads format 2 and the
    /// format 1 of MlNetMoco 0.1 (MoCo's <c>encoder_q</c>).
    /// </summary>
    /// <param name="path">The checkpoint.</param>
    /// <param name="device">Device request of the encoder: "auto", "cpu", "cuda" or "cuda:N". Default "cpu".</param>
    /// <exception cref="InvalidDataException">The file is not a checkpoint, is corrupt, or its encoder tensors do not match its description.</exception>
    public static TrainedEncoder ReadEncoder(string path, string device = "cpu")
    {
        var (version, reader) = Open(path);
        using (reader)
        {
            EncoderDescription description;
            string prefix;
            if (version == 1)
            {
                (description, prefix) = LegacyCheckpoint.Encoder(reader.ReadString(), path);
            }
            else if (version == FormatVersion)
            {
                var header = JsonSerializer.Deserialize<CheckpointHeader>(reader.ReadString())
                             ?? throw new InvalidDataException($"Checkpoint '{path}' has no header.");
                description = EncoderDescription.FromJson(header.EncoderJson);
                prefix = header.EncoderPrefix;
            }
            else
            {
                throw new InvalidDataException($"'{path}' has checkpoint format version {version}; this library reads versions 1 and {FormatVersion}.");
            }

            var tensors = TensorArchive.Read(reader, $"Checkpoint '{path}'");
            try
            {
                var encoderTensors = tensors.Where(t => t.Name.StartsWith(prefix, StringComparison.Ordinal))
                    .Select(t => (t.Name[prefix.Length..], t.Tensor)).ToList();
                var encoder = TrainedEncoder.Create(description, DeviceSelector.Resolve(device));
                try
                {
                    TensorArchive.LoadInto(encoder.Network, encoderTensors, $"Checkpoint '{path}' (tensors '{prefix}*')");
                    return encoder;
                }
                catch
                {
                    encoder.Dispose();
                    throw;
                }
            }
            finally
            {
                foreach (var (_, t) in tensors) t.Dispose();
            }
        }
    }

    /// <summary>Checks the magic and checksum; returns the format version and a reader positioned at the header.</summary>
    private static (int Version, BinaryReader Reader) Open(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Checkpoint '{path}' does not exist.", path);
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length < 32) throw new InvalidDataException($"'{path}' is not an MlNetMoco checkpoint (too short).");
        var reader = new BinaryReader(new MemoryStream(bytes, 0, bytes.Length - 32, writable: false), TensorArchive.Utf8);
        try
        {
            string magic;
            try { magic = reader.ReadString(); }
            catch (Exception e) when (e is EndOfStreamException or IOException) { magic = ""; }
            if (magic != Magic) throw new InvalidDataException($"'{path}' is not an MlNetMoco checkpoint.");
            int version = reader.ReadInt32();
            if (!SHA256.HashData(bytes.AsSpan(0, bytes.Length - 32)).AsSpan().SequenceEqual(bytes.AsSpan(bytes.Length - 32)))
                throw new InvalidDataException($"Checkpoint '{path}' is corrupt (checksum mismatch).");
            return (version, reader);
        }
        catch
        {
            reader.Dispose();
            throw;
        }
    }
}

/// <summary>A checkpoint read back from disk.</summary>
/// <param name="Header">Position and configuration.</param>
/// <param name="Model">The method's state dict.</param>
/// <param name="OptimizerState">The optimizer's state bytes (<see cref="Optimization.TrainingOptimizer.LoadState"/>).</param>
public sealed record LoadedCheckpoint(CheckpointHeader Header, List<(string Name, Tensor Tensor)> Model, byte[] OptimizerState) : IDisposable
{
    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var (_, t) in Model) t.Dispose();
    }
}
