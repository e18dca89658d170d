using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Interop;

/// <summary>
/// The header of a safetensors file, read and checked: an unsigned 64-bit little-endian length N, then N bytes of UTF-8
/// JSON mapping each tensor name to its <c>dtype</c>, <c>shape</c> and <c>data_offsets</c> [begin, end) into the data
/// that follows, plus an optional <c>__metadata__</c> object of strings. The entries must tile the data exactly (no
/// gap, no overlap), as the reference implementation requires.
/// </summary>
internal sealed class SafeTensorsHeader
{
    /// <summary>Largest header accepted (the reference implementation's limit).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    /// <summary>One tensor's entry.</summary>
    public sealed record Entry(string Name, ScalarType DType, long[] Shape, long Begin, long End);

    private SafeTensorsHeader(List<Entry> entries, Dictionary<string, string> metadata, long dataStart)
    {
        Entries = entries;
        Metadata = metadata;
        DataStart = dataStart;
    }

    /// <summary>The entries in header order.</summary>
    public IReadOnlyList<Entry> Entries { get; }

    /// <summary>The <c>__metadata__</c> strings (empty when absent).</summary>
    public Dictionary<string, string> Metadata { get; }

    /// <summary>Offset of the data from the start of the file (8 + N).</summary>
    public long DataStart { get; }

    /// <summary>Total bytes of tensor data.</summary>
    public long DataLength => Entries.Count == 0 ? 0 : Entries.Max(e => e.End);

    /// <summary>True when <paramref name="head"/> (the first bytes of a file, at least 9) starts like a safetensors file.</summary>
    public static bool LooksLike(ReadOnlySpan<byte> head)
    {
        if (head.Length < 9) return false;
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(head);
        return n >= 2 && n <= MaxHeaderBytes && head[8] == (byte)'{';
    }

    /// <summary>Reads the header from <paramref name="stream"/> (positioned at the start of the file; left at the data).</summary>
    /// <param name="stream">The file's bytes.</param>
    /// <param name="source">Subject of error messages, e.g. "The safetensors file 'a.safetensors'".</param>
    /// <exception cref="InvalidDataException">The header is truncated, not JSON, or inconsistent; the message names the tensor.</exception>
    public static SafeTensorsHeader Read(Stream stream, string source)
    {
        Span<byte> prefix = stackalloc byte[8];
        if (stream.ReadAtLeast(prefix, 8, throwOnEndOfStream: false) < 8)
            throw new InvalidDataException($"{source} is truncated: it is shorter than the 8-byte header length of a safetensors file.");
        ulong length = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (length < 2 || length > MaxHeaderBytes)
            throw new InvalidDataException($"{source} is not a safetensors file or is corrupt: its header length is {length} bytes (expected 2 to {MaxHeaderBytes}).");
        var json = new byte[length];
        if (stream.ReadAtLeast(json, json.Length, throwOnEndOfStream: false) < json.Length)
            throw new InvalidDataException($"{source} is truncated: the file ends inside its {length}-byte JSON header.");
        return Parse(json, 8 + (long)length, source);
    }

    private static SafeTensorsHeader Parse(byte[] json, long dataStart, string source)
    {
        JsonDocument document;
        try
        {
            string text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(json);
            document = JsonDocument.Parse(text);
        }
        catch (Exception e) when (e is JsonException or DecoderFallbackException)
        {
            throw new InvalidDataException($"{source} is corrupt: its header is not UTF-8 JSON ({e.Message}).", e);
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{source} is corrupt: its header is not a JSON object.");
            var entries = new List<Entry>();
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Name == SafeTensors.MetadataKey) ReadMetadata(property.Value, metadata, source);
                else entries.Add(ReadEntry(property.Name, property.Value, source));
            }
            CheckTiling(entries, source);
            return new SafeTensorsHeader(entries, metadata, dataStart);
        }
    }

    private static void ReadMetadata(JsonElement value, Dictionary<string, string> metadata, string source)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"{source} is corrupt: '{SafeTensors.MetadataKey}' must be an object of strings.");
        foreach (var item in value.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
                throw new InvalidDataException($"{source} is corrupt: metadata '{item.Name}' is a {item.Value.ValueKind}, the format allows only strings.");
            metadata[item.Name] = item.Value.GetString()!;
        }
    }

    private static Entry ReadEntry(string name, JsonElement value, string source)
    {
        string Bad(string what) => $"{source} is corrupt: tensor '{name}' {what}.";
        if (value.ValueKind != JsonValueKind.Object) throw new InvalidDataException(Bad("is not described by a JSON object"));
        if (!value.TryGetProperty("dtype", out var dtypeValue) || dtypeValue.ValueKind != JsonValueKind.String)
            throw new InvalidDataException(Bad("has no 'dtype' string"));
        string code = dtypeValue.GetString()!;
        if (!SafeTensorsDType.TryParse(code, out var dtype, out int size))
            throw new InvalidDataException($"{source}: tensor '{name}' has dtype '{code}', which this library does not read (it reads {SafeTensorsDType.Known}).");
        if (!value.TryGetProperty("shape", out var shapeValue) || shapeValue.ValueKind != JsonValueKind.Array)
            throw new InvalidDataException(Bad("has no 'shape' array"));
        var shape = new List<long>();
        long elements = 1;
        foreach (var d in shapeValue.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out long dim) || dim < 0)
                throw new InvalidDataException(Bad("has a shape entry that is not a non-negative integer"));
            shape.Add(dim);
            elements = SaturatingProduct(elements, dim, size);
        }
        if (!value.TryGetProperty("data_offsets", out var offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2
            || !offsets[0].TryGetInt64(out long begin) || !offsets[1].TryGetInt64(out long end) || begin < 0 || end < begin)
            throw new InvalidDataException(Bad("has no valid 'data_offsets' [begin, end]"));
        long expected = elements == long.MaxValue ? long.MaxValue : elements * size;
        if (end - begin != expected)
            throw new InvalidDataException(Bad($"spans {end - begin} bytes but shape [{string.Join(", ", shape)}] of {code} needs {expected}"));
        return new Entry(name, dtype, shape.ToArray(), begin, end);
    }

    /// <summary>elements·dim, or long.MaxValue when the byte count (·size) would not fit in a long.</summary>
    private static long SaturatingProduct(long elements, long dim, int size)
    {
        if (dim == 0) return 0;
        if (elements == long.MaxValue) return long.MaxValue;
        return elements > long.MaxValue / size / dim ? long.MaxValue : elements * dim;
    }

    private static void CheckTiling(List<Entry> entries, string source)
    {
        long position = 0;
        foreach (var entry in entries.OrderBy(e => e.Begin).ThenBy(e => e.End))
        {
            if (entry.Begin != position)
                throw new InvalidDataException(entry.Begin < position
                    ? $"{source} is corrupt: tensor '{entry.Name}' overlaps the tensor before it (data_offsets start at {entry.Begin}, previous data ends at {position})."
                    : $"{source} is corrupt: there is a gap of {entry.Begin - position} bytes before tensor '{entry.Name}'.");
            position = entry.End;
        }
    }
}
