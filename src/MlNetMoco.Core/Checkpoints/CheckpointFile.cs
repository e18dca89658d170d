using System.Security.Cryptography;
using System.Text.Json;
using MlNetMoco.Core.Optimization;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Checkpoints;

/// <summary>
/// Checkpoint files: magic, format version, header JSON, the method's state (parameters and buffers, e.g. both
/// MoCo encoders, queue and pointer), the optimizer's momentum buffers, and a SHA-256 of all that. Written to a
/// temporary file and renamed, so a crash never leaves a half-written checkpoint under the final name.
/// </summary>
public static class CheckpointFile
{
    private const string Magic = "MLNETMOCO-CKPT";

    /// <summary>The current format version.</summary>
    public const int FormatVersion = 1;

    /// <summary>Writes a checkpoint atomically (temp file + rename).</summary>
    public static void Save(string path, CheckpointHeader header, nn.Module model, Sgd optimizer)
    {
        using var body = new MemoryStream();
        using (var writer = new BinaryWriter(body, TensorArchive.Utf8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write(FormatVersion);
            writer.Write(JsonSerializer.Serialize(header));
            TensorArchive.Write(writer, model.state_dict().Select(kv => (kv.Key, kv.Value)).ToList());
            TensorArchive.Write(writer, optimizer.State().ToList());
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

    /// <summary>Reads a checkpoint; the caller owns (and disposes) the returned tensors.</summary>
    /// <exception cref="InvalidDataException">The file is not a checkpoint, is of another format version, or is corrupt.</exception>
    public static LoadedCheckpoint Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Checkpoint '{path}' does not exist.", path);
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length < 32) throw new InvalidDataException($"'{path}' is not an MlNetMoco checkpoint (too short).");
        using var stream = new MemoryStream(bytes, 0, bytes.Length - 32, writable: false);
        using var reader = new BinaryReader(stream, TensorArchive.Utf8);
        string magic;
        try { magic = reader.ReadString(); }
        catch (Exception e) when (e is EndOfStreamException or IOException) { magic = ""; }
        if (magic != Magic) throw new InvalidDataException($"'{path}' is not an MlNetMoco checkpoint.");
        int version = reader.ReadInt32();
        if (version != FormatVersion)
            throw new InvalidDataException($"'{path}' has checkpoint format version {version}; this library reads version {FormatVersion}.");
        if (!SHA256.HashData(bytes.AsSpan(0, bytes.Length - 32)).AsSpan().SequenceEqual(bytes.AsSpan(bytes.Length - 32)))
            throw new InvalidDataException($"Checkpoint '{path}' is corrupt (checksum mismatch).");

        var header = JsonSerializer.Deserialize<CheckpointHeader>(reader.ReadString())
                     ?? throw new InvalidDataException($"Checkpoint '{path}' has no header.");
        var model = TensorArchive.Read(reader);
        var optimizer = TensorArchive.Read(reader);
        return new LoadedCheckpoint(header, model, optimizer);
    }
}

/// <summary>A checkpoint read back from disk.</summary>
/// <param name="Header">Position and configuration.</param>
/// <param name="Model">The method's state dict.</param>
/// <param name="Optimizer">The optimizer's momentum buffers by parameter name.</param>
public sealed record LoadedCheckpoint(
    CheckpointHeader Header,
    List<(string Name, Tensor Tensor)> Model,
    List<(string Name, Tensor Tensor)> Optimizer) : IDisposable
{
    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var (_, t) in Model) t.Dispose();
        foreach (var (_, t) in Optimizer) t.Dispose();
    }
}
