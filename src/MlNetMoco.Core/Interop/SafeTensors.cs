using System.Buffers.Binary;
using System.Text.Json;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Interop;

/// <summary>
/// Reads and writes the safetensors format (Hugging Face), which PyTorch users load with
/// <c>safetensors.torch.load_file</c> and which most self-supervised learning libraries accept: an unsigned 64-bit
/// little-endian header length N, N bytes of UTF-8 JSON (per tensor its <c>dtype</c>, <c>shape</c> and
/// <c>data_offsets</c>; string pairs under <c>__metadata__</c>), padded with spaces to a multiple of 8, then the raw
/// little-endian, row-major tensor data. Element types: F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL.
/// </summary>
/// <remarks>
/// Reading checks the whole header before any tensor is read: a truncated file, a header that is not JSON, an unknown
/// element type, a byte span that does not match the shape, or tensors that overlap or leave gaps give an
/// <see cref="InvalidDataException"/> naming the tensor.
/// </remarks>
public static class SafeTensors
{
    /// <summary>The reserved header key of the string metadata.</summary>
    public const string MetadataKey = "__metadata__";

    /// <summary>
    /// Writes <paramref name="tensors"/> (copied to the CPU, contiguous) and <paramref name="metadata"/> to
    /// <paramref name="path"/>, through a temporary file renamed into place, so a crash never leaves a half-written file.
    /// </summary>
    /// <param name="path">Destination file (usually <c>*.safetensors</c>); its folder is created.</param>
    /// <param name="tensors">Names (unique, not <c>__metadata__</c>) and tensors, written in this order.</param>
    /// <param name="metadata">String pairs stored under <c>__metadata__</c>; null or empty writes none.</param>
    /// <exception cref="ArgumentException">A name is repeated or reserved, or a tensor's element type has no safetensors code.</exception>
    public static void Write(string path, IReadOnlyCollection<(string Name, Tensor Tensor)> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string temp = full + ".tmp";
        using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            Write(file, tensors, metadata);
            file.Flush(flushToDisk: true);
        }
        File.Move(temp, full, overwrite: true);
    }

    /// <summary>As <see cref="Write(string, IReadOnlyCollection{ValueTuple{string, Tensor}}, IReadOnlyDictionary{string, string})"/>, to a stream (left open).</summary>
    /// <param name="stream">A writable stream.</param>
    /// <param name="tensors">Names and tensors, written in this order.</param>
    /// <param name="metadata">String pairs stored under <c>__metadata__</c>; null or empty writes none.</param>
    public static void Write(Stream stream, IReadOnlyCollection<(string Name, Tensor Tensor)> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(tensors);
        byte[] header = HeaderBytes(tensors, metadata);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        stream.Write(length);
        stream.Write(header);
        foreach (var (_, tensor) in tensors)
        {
            using var cpu = tensor.detach().cpu().contiguous();
            stream.Write(cpu.bytes);
        }
        stream.Flush();
    }

    /// <summary>Reads every tensor (or those <paramref name="select"/> keeps) of the file at <paramref name="path"/> onto the CPU.</summary>
    /// <param name="path">A safetensors file.</param>
    /// <param name="select">Keeps a tensor when it returns true for its name; null keeps all. The others are not read.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is truncated, corrupt or not a safetensors file; the message says which tensor.</exception>
    public static TensorSet Read(string path, Func<string, bool>? select = null)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Safetensors file '{path}' does not exist.", path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        return Read(file, select, $"The safetensors file '{path}'");
    }

    /// <summary>Reads a safetensors file from <paramref name="stream"/> (positioned at its start; left after the last tensor read).</summary>
    /// <param name="stream">The file's bytes; a seekable stream lets truncation be reported before any tensor is read.</param>
    /// <param name="select">Keeps a tensor when it returns true for its name; null keeps all.</param>
    /// <param name="source">Subject of error messages.</param>
    /// <exception cref="InvalidDataException">The data is truncated, corrupt or not safetensors.</exception>
    public static TensorSet Read(Stream stream, Func<string, bool>? select = null, string source = "The safetensors data")
    {
        ArgumentNullException.ThrowIfNull(stream);
        var header = SafeTensorsHeader.Read(stream, source);
        if (stream.CanSeek && header.DataStart + header.DataLength > stream.Length)
            throw new InvalidDataException(
                $"{source} is truncated: its header describes {header.DataLength} bytes of tensor data, the file holds {stream.Length - header.DataStart}.");
        var result = new List<(string, Tensor)>();
        try
        {
            long position = 0;
            foreach (var entry in header.Entries.OrderBy(e => e.Begin))
            {
                if (select is not null && !select(entry.Name)) continue;
                Skip(stream, entry.Begin - position, source, entry.Name);
                var tensor = empty(entry.Shape, entry.DType);
                result.Add((entry.Name, tensor));
                if (stream.ReadAtLeast(tensor.bytes, tensor.bytes.Length, throwOnEndOfStream: false) < tensor.bytes.Length)
                    throw new InvalidDataException($"{source} is truncated: the data of tensor '{entry.Name}' is incomplete.");
                position = entry.End;
            }
            var byName = result.ToDictionary(r => r.Item1, r => r.Item2, StringComparer.Ordinal);
            var ordered = header.Entries.Where(e => byName.ContainsKey(e.Name)).Select(e => (e.Name, byName[e.Name]));
            return new TensorSet(ordered, header.Metadata);
        }
        catch
        {
            foreach (var (_, t) in result) t.Dispose();
            throw;
        }
    }

    /// <summary>Reads only the <c>__metadata__</c> strings of the file at <paramref name="path"/> (no tensor data).</summary>
    /// <param name="path">A safetensors file.</param>
    /// <exception cref="InvalidDataException">The header is truncated or corrupt.</exception>
    public static IReadOnlyDictionary<string, string> ReadMetadata(string path)
    {
        using var file = File.OpenRead(path);
        return SafeTensorsHeader.Read(file, $"The safetensors file '{path}'").Metadata;
    }

    /// <summary>True when the file at <paramref name="path"/> starts like a safetensors file (header length and '{').</summary>
    /// <param name="path">Any file.</param>
    public static bool IsSafeTensors(string path)
    {
        Span<byte> head = stackalloc byte[9];
        using var file = File.OpenRead(path);
        return file.ReadAtLeast(head, 9, throwOnEndOfStream: false) == 9 && SafeTensorsHeader.LooksLike(head);
    }

    private static byte[] HeaderBytes(IReadOnlyCollection<(string Name, Tensor Tensor)> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(MetadataKey);
                foreach (var (key, value) in metadata) json.WriteString(key, value);
                json.WriteEndObject();
            }
            var seen = new HashSet<string>(StringComparer.Ordinal);
            long offset = 0;
            foreach (var (name, tensor) in tensors)
            {
                if (name == MetadataKey) throw new ArgumentException($"A tensor cannot be called '{MetadataKey}' (reserved for metadata).", nameof(tensors));
                if (!seen.Add(name)) throw new ArgumentException($"Tensor name '{name}' occurs twice.", nameof(tensors));
                string code = SafeTensorsDType.CodeOf(tensor.dtype)
                    ?? throw new ArgumentException($"Tensor '{name}' has element type {tensor.dtype}, which safetensors files do not store here (supported: {SafeTensorsDType.Known}).", nameof(tensors));
                long bytes = tensor.numel() * tensor.ElementSize;
                json.WriteStartObject(name);
                json.WriteString("dtype", code);
                json.WriteStartArray("shape");
                foreach (long d in tensor.shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + bytes);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += bytes;
            }
            json.WriteEndObject();
        }
        int padded = (int)((buffer.Length + 7) / 8 * 8);
        while (buffer.Length < padded) buffer.WriteByte((byte)' ');
        return buffer.ToArray();
    }

    private static void Skip(Stream stream, long count, string source, string next)
    {
        if (count == 0) return;
        if (stream.CanSeek)
        {
            stream.Seek(count, SeekOrigin.Current);
            return;
        }
        var scratch = new byte[Math.Min(count, 1 << 20)];
        while (count > 0)
        {
            int read = stream.Read(scratch, 0, (int)Math.Min(count, scratch.Length));
            if (read == 0) throw new InvalidDataException($"{source} is truncated: it ends before the data of tensor '{next}'.");
            count -= read;
        }
    }
}
