using System.Globalization;
using MlNetMoco.Core.Checkpoints;
using MlNetMoco.Core.Inference;
using MlNetMoco.Core.Interop.Pickle;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Interop;

/// <summary>
/// A weight file of any supported format, opened: its state dict's names and metadata are known, and tensors are read
/// only for the names a caller selects (so importing one encoder of a checkpoint does not read the other encoder and
/// the optimizer state of a PyTorch or safetensors file).
/// </summary>
internal sealed class WeightFileContents : IDisposable
{
    private readonly Func<Func<string, bool>, List<(string, Tensor)>> _load;
    private readonly IDisposable? _owner;

    private WeightFileContents(WeightFileFormat format, IReadOnlyList<string> names, Dictionary<string, string> metadata,
        Func<Func<string, bool>, List<(string, Tensor)>> load, IDisposable? owner)
    {
        Format = format;
        Names = names;
        Metadata = metadata;
        _load = load;
        _owner = owner;
    }

    /// <summary>The container format.</summary>
    public WeightFileFormat Format { get; }

    /// <summary>The state dict's names, in file order.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>safetensors metadata, or a checkpoint's scalar entries (e.g. <c>epoch</c>, <c>arch</c>).</summary>
    public Dictionary<string, string> Metadata { get; }

    /// <summary>Reads the tensors whose names <paramref name="select"/> keeps, in file order; the caller owns them.</summary>
    public List<(string Name, Tensor Tensor)> Load(Func<string, bool> select) => _load(select);

    /// <summary>Opens <paramref name="path"/>; <paramref name="source"/> is the subject of error messages.</summary>
    public static WeightFileContents Open(string path, string source)
    {
        var format = StateDictImport.DetectFormat(path, source);
        return format switch
        {
            WeightFileFormat.SafeTensors => OpenSafeTensors(path, source),
            WeightFileFormat.TorchZip or WeightFileFormat.TorchLegacy => OpenTorch(path, source),
            WeightFileFormat.MlNetMocoEncoder => OpenEncoder(path),
            _ => OpenCheckpoint(path),
        };
    }

    /// <summary>Closes the file and releases whatever was read but not handed out.</summary>
    public void Dispose() => _owner?.Dispose();

    private static WeightFileContents OpenSafeTensors(string path, string source)
    {
        SafeTensorsHeader header;
        using (var file = File.OpenRead(path)) header = SafeTensorsHeader.Read(file, source);
        var names = header.Entries.Select(e => e.Name).ToList();
        return new WeightFileContents(WeightFileFormat.SafeTensors, names, new Dictionary<string, string>(header.Metadata, StringComparer.Ordinal),
            select =>
            {
                var set = SafeTensors.Read(path, select);
                return set.Tensors.ToList(); // ownership passes to the caller
            }, null);
    }

    private static WeightFileContents OpenTorch(string path, string source)
    {
        var file = TorchSaveFile.Open(path, source);
        try
        {
            var (stateDict, metadata) = TorchStateDict.Find(file.Root, source);
            var format = file.IsZip ? WeightFileFormat.TorchZip : WeightFileFormat.TorchLegacy;
            return new WeightFileContents(format, stateDict.Select(e => e.Name).ToList(), metadata,
                select => TorchStateDict.Materialize(stateDict, select, path, source), file);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private static WeightFileContents OpenEncoder(string path)
    {
        TrainedEncoder encoder;
        using (var stream = File.OpenRead(path)) encoder = TrainedEncoder.Load(stream, CPU);
        var all = encoder.Network.state_dict().Select(kv => (kv.Key, kv.Value)).ToList();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal) { [EncoderSafeTensors.DescriptionKey] = encoder.Description.ToJson() };
        return new WeightFileContents(WeightFileFormat.MlNetMocoEncoder, all.Select(t => t.Key).ToList(), metadata,
            select => all.Where(t => select(t.Key)).Select(t => (t.Key, t.Value.detach().clone())).ToList(), encoder);
    }

    private static WeightFileContents OpenCheckpoint(string path)
    {
        var checkpoint = CheckpointFile.Load(path);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["epoch"] = checkpoint.Header.Epoch.ToString(CultureInfo.InvariantCulture),
            ["method"] = checkpoint.Header.Method,
        };
        return new WeightFileContents(WeightFileFormat.MlNetMocoCheckpoint, checkpoint.Model.Select(t => t.Name).ToList(), metadata,
            select => checkpoint.Model.Where(t => select(t.Name)).Select(t => (t.Name, t.Tensor.clone())).ToList(), checkpoint);
    }
}
