using System.Buffers.Binary;
using System.IO.Compression;
using System.Numerics;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Interop.Pickle;

/// <summary>
/// A file written by PyTorch's <c>torch.save</c>, opened without PyTorch: the zip format (PyTorch ≥ 1.6: a pickle
/// <c>data.pkl</c> plus one entry per storage under <c>data/</c>) or the legacy format (PyTorch &lt; 1.6 and
/// <c>_use_new_zipfile_serialization=False</c>: magic-number, protocol and system pickles, the object pickle, the
/// storage keys, then each storage as an int64 element count and its bytes). <see cref="Root"/> is the saved object;
/// its tensors are <see cref="TorchTensorRef"/>s read only when materialised, while this file is open.
/// </summary>
internal sealed class TorchSaveFile : IDisposable
{
    private static readonly BigInteger LegacyMagic = BigInteger.Parse("119547037146038801333356");
    private const long LegacyProtocol = 1001;

    private readonly Stream _file;
    private readonly ZipArchive? _zip;
    private readonly Dictionary<string, TorchStorage> _storages = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _legacyOffsets = new(StringComparer.Ordinal);
    private readonly string _source;
    private string _prefix = "";

    private TorchSaveFile(Stream file, ZipArchive? zip, string source)
    {
        _file = file;
        _zip = zip;
        _source = source;
    }

    /// <summary>True for the zip format, false for the legacy one.</summary>
    public bool IsZip => _zip is not null;

    /// <summary>The saved object (a <see cref="PyDict"/> for checkpoints and state dicts).</summary>
    public object? Root { get; private set; }

    /// <summary>Opens <paramref name="path"/> (zip or legacy, told by its first bytes) and reads its object pickle.</summary>
    /// <exception cref="InvalidDataException">The file is truncated, corrupt, or a pickle that torch.save did not write.</exception>
    public static TorchSaveFile Open(string path, string source)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        try
        {
            Span<byte> head = stackalloc byte[4];
            int n = file.ReadAtLeast(head, 4, throwOnEndOfStream: false);
            file.Position = 0;
            bool zip = n == 4 && head.SequenceEqual("PK\u0003\u0004"u8);
            var result = zip ? OpenZip(file, source) : new TorchSaveFile(file, null, source);
            if (!zip) result.ReadLegacy();
            return result;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Closes the file and releases the storages read.</summary>
    public void Dispose()
    {
        foreach (var storage in _storages.Values) storage.Dispose();
        _zip?.Dispose();
        _file.Dispose();
    }

    private static TorchSaveFile OpenZip(FileStream file, string source)
    {
        ZipArchive zip;
        try
        {
            zip = new ZipArchive(file, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{source} is truncated or corrupt: it starts like a PyTorch zip file but its zip directory cannot be read ({e.Message}).", e);
        }
        var result = new TorchSaveFile(file, zip, source);
        try
        {
            var pickle = zip.Entries.FirstOrDefault(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal) && e.FullName.Count(c => c == '/') == 1)
                ?? throw new InvalidDataException($"{source} is a zip file but not one written by torch.save: it has no '<name>/data.pkl' entry.");
            result._prefix = pickle.FullName[..^"data.pkl".Length];
            if (zip.GetEntry(result._prefix + "byteorder") is { } order)
            {
                using var reader = new StreamReader(order.Open());
                string text = reader.ReadToEnd().Trim();
                if (text != "little") throw new InvalidDataException($"{source} was written on a '{text}'-endian machine; only little-endian files are read.");
            }
            using var stream = new BufferedStream(pickle.Open(), 1 << 16);
            result.Root = PickleMachine.Load(stream, new TorchPickleHost(result.ZipStorage), source);
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    private object? ZipStorage(object? id)
    {
        if (id is not object?[] { Length: >= 5 } t || t[0] is not "storage" || t[1] is not PyGlobal type || t[2] is not string key || t[4] is not long elements)
            throw new InvalidDataException($"{_source} is corrupt: it refers to persistent data {PyValues.Describe(id)}, not a tensor storage.");
        if (_storages.TryGetValue(key, out var known)) return known;
        var storage = new TorchStorage(key, type.Name, TorchStorage.DTypeOf(type.Name), elements, ReadZipStorage);
        _storages[key] = storage;
        return storage;
    }

    private Tensor ReadZipStorage(TorchStorage storage)
    {
        var dtype = storage.DType!.Value;
        string name = $"{_prefix}data/{storage.Key}";
        var entry = _zip!.GetEntry(name)
            ?? throw new InvalidDataException($"{_source} is corrupt: storage entry '{name}' is missing.");
        long expected = storage.Elements * TorchStorage.SizeOf(dtype);
        if (entry.Length < expected)
            throw new InvalidDataException($"{_source} is corrupt: storage '{name}' holds {entry.Length} bytes, its tensors need {expected}.");
        var data = empty(new[] { storage.Elements }, dtype);
        try
        {
            using var stream = entry.Open();
            if (stream.ReadAtLeast(data.bytes, data.bytes.Length, throwOnEndOfStream: false) < data.bytes.Length)
                throw new InvalidDataException($"{_source} is truncated: storage '{name}' ends early.");
            return data;
        }
        catch
        {
            data.Dispose();
            throw;
        }
    }

    private void ReadLegacy()
    {
        var plain = new TorchPickleHost(id => throw new InvalidDataException($"{_source} is corrupt: unexpected persistent data in its header."));
        object? magic;
        try
        {
            magic = PickleMachine.Load(_file, plain, _source);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{_source} is neither a zip file written by torch.save (PyTorch ≥ 1.6) nor a legacy torch.save file: {e.Message}", e);
        }
        if (magic is not BigInteger number || number != LegacyMagic)
            throw new InvalidDataException(
                $"{_source} is a Python pickle of {PyValues.Describe(magic)}, but not a file written by torch.save (it lacks torch.save's magic number).");
        if (PickleMachine.Load(_file, plain, _source) is not LegacyProtocol)
            throw new InvalidDataException($"{_source} is a legacy torch.save file of an unsupported protocol version (expected {LegacyProtocol}).");
        if (PickleMachine.Load(_file, plain, _source) is PyDict info && info.TryGet("little_endian", out var little) && little is false)
            throw new InvalidDataException($"{_source} was written on a big-endian machine; only little-endian files are read.");
        Root = PickleMachine.Load(_file, new TorchPickleHost(LegacyStorage), _source);
        if (PickleMachine.Load(_file, plain, _source) is not List<object?> keys || keys.Any(k => k is not string))
            throw new InvalidDataException($"{_source} is corrupt: the list of storage keys after the object is missing.");
        Span<byte> count = stackalloc byte[8];
        foreach (string key in keys.Cast<string>())
        {
            if (!_storages.TryGetValue(key, out var storage))
                throw new InvalidDataException($"{_source} is corrupt: storage '{key}' is listed but never used.");
            if (_file.ReadAtLeast(count, 8, throwOnEndOfStream: false) < 8)
                throw new InvalidDataException($"{_source} is truncated: it ends before storage '{key}'.");
            long elements = BinaryPrimitives.ReadInt64LittleEndian(count);
            if (elements != storage.Elements)
                throw new InvalidDataException($"{_source} is corrupt: storage '{key}' has {elements} elements, its description says {storage.Elements}.");
            _legacyOffsets[key] = _file.Position;
            long bytes = elements * (storage.DType is { } t ? TorchStorage.SizeOf(t) : 0);
            if (storage.DType is null || bytes > _file.Length - _file.Position)
                throw new InvalidDataException(storage.DType is null
                    ? $"{_source} holds a storage of type {storage.TypeName}, which this library does not read."
                    : $"{_source} is truncated: storage '{key}' needs {bytes} bytes, {_file.Length - _file.Position} remain.");
            _file.Seek(bytes, SeekOrigin.Current);
        }
    }

    private object? LegacyStorage(object? id)
    {
        if (id is object?[] { Length: >= 1 } m && m[0] is "module") return new PyObject(new PyGlobal("torch.serialization", "module source"), m);
        if (id is not object?[] { Length: >= 5 } t || t[0] is not "storage" || t[1] is not PyGlobal type || t[2] is not string key || t[4] is not long elements)
            throw new InvalidDataException($"{_source} is corrupt: it refers to persistent data {PyValues.Describe(id)}, not a tensor storage.");
        if (!_storages.TryGetValue(key, out var root))
        {
            root = new TorchStorage(key, type.Name, TorchStorage.DTypeOf(type.Name), elements, ReadLegacyStorage);
            _storages[key] = root;
        }
        if (t.Length >= 6 && t[5] is object?[] { Length: 3 } view && view[0] is string viewKey && view[1] is long offset && view[2] is long size)
            return new TorchStorage(viewKey, type.Name, root.DType, size, ReadLegacyStorage) { Root = root, ElementOffset = offset };
        return root;
    }

    private Tensor ReadLegacyStorage(TorchStorage storage)
    {
        var data = empty(new[] { storage.Elements }, storage.DType!.Value);
        try
        {
            if (!_legacyOffsets.TryGetValue(storage.Key, out long offset))
                throw new InvalidDataException($"{_source} is corrupt: storage '{storage.Key}' is used but its data is not in the file.");
            _file.Position = offset;
            if (_file.ReadAtLeast(data.bytes, data.bytes.Length, throwOnEndOfStream: false) < data.bytes.Length)
                throw new InvalidDataException($"{_source} is truncated: storage '{storage.Key}' ends early.");
            return data;
        }
        catch
        {
            data.Dispose();
            throw;
        }
    }
}
