using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Checkpoints;

/// <summary>
/// A plain named-tensor format, used by checkpoints and encoder files. Little-endian: an int32 tensor count, then per
/// tensor its name (a .NET <see cref="BinaryWriter"/> string: 7-bit-encoded length and UTF-8), an int32 element type
/// (TorchSharp's <see cref="ScalarType"/> code: 0 = uint8, 4 = int64, 6 = float32, 7 = float64), an int32 rank, the
/// int64 dimensions, an int64 byte length and the raw elements, row-major. Independent of TorchSharp's own format so
/// files are checkable and stable.
/// </summary>
/// <remarks>
/// Readers take exactly the archive's bytes from the stream, so an archive can sit inside a longer stream (seekable or
/// not). Truncated data gives an <see cref="InvalidDataException"/> saying "truncated", impossible values (counts,
/// ranks, dimensions, byte lengths, element types) one saying "corrupt".
/// </remarks>
public static class TensorArchive
{
    private const int MaxTensors = 1_000_000;
    private const int MaxRank = 8;
    private const string DefaultSource = "Tensor archive";
    private static readonly ScalarType[] Supported = { ScalarType.Float32, ScalarType.Float64, ScalarType.Int64, ScalarType.Byte };

    /// <summary>UTF-8 encoding without BOM, shared by the file formats.</summary>
    public static readonly Encoding Utf8 = new UTF8Encoding(false);

    /// <summary>Writes <paramref name="tensors"/> (copied to the CPU) to <paramref name="writer"/>.</summary>
    /// <param name="writer">The destination.</param>
    /// <param name="tensors">Names and tensors, written in this order.</param>
    /// <exception cref="NotSupportedException">A tensor's element type is not float32, float64, int64 or uint8 (nothing is written).</exception>
    public static void Write(BinaryWriter writer, IReadOnlyCollection<(string Name, Tensor Tensor)> tensors)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(tensors);
        foreach (var (name, tensor) in tensors)
            if (!IsSupported(tensor.dtype))
                throw new NotSupportedException($"Tensor '{name}' has element type {tensor.dtype}, which tensor archives do not store.");
        writer.Write(tensors.Count);
        foreach (var (name, tensor) in tensors)
        {
            using var cpu = tensor.detach().cpu().contiguous();
            writer.Write(name);
            writer.Write((int)cpu.dtype);
            writer.Write(cpu.shape.Length);
            foreach (long d in cpu.shape) writer.Write(d);
            var bytes = cpu.bytes;
            writer.Write((long)bytes.Length);
            writer.Write(bytes);
        }
    }

    /// <summary>Reads tensors written by <see cref="Write"/> onto the CPU, in file order; the caller owns them.</summary>
    /// <param name="reader">Positioned at the start of the archive; left just after it.</param>
    /// <param name="source">What the archive is, as the subject of error messages (e.g. "Checkpoint 'a.bin'").</param>
    /// <exception cref="InvalidDataException">The data is truncated or corrupt.</exception>
    public static List<(string Name, Tensor Tensor)> Read(BinaryReader reader, string source = DefaultSource)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var result = new List<(string, Tensor)>();
        try
        {
            int count = ReadCount(reader, source);
            for (int i = 0; i < count; i++)
            {
                var entry = ReadEntryHeader(reader, source);
                if (reader.BaseStream.CanSeek && entry.ByteLength > reader.BaseStream.Length - reader.BaseStream.Position)
                    throw new EndOfStreamException();
                var tensor = empty(entry.Shape, entry.DType);
                result.Add((entry.Name, tensor));
                ReadExactly(reader, tensor.bytes);
            }
            return result;
        }
        catch (Exception e)
        {
            foreach (var (_, t) in result) t.Dispose();
            if (Translate(e, source) is { } translated) throw translated;
            throw;
        }
    }

    /// <summary>
    /// Reads an archive written by <see cref="Write"/> straight into the parameters and buffers of
    /// <paramref name="module"/> (its state dict), requiring exactly the same names, element types and shapes; the
    /// first extra, repeated, mis-typed, mis-shaped or (at the end) missing tensor is named in the error. Tensors
    /// before a bad one may already have been copied.
    /// </summary>
    /// <param name="reader">Positioned at the start of the archive; left just after it.</param>
    /// <param name="module">The module to fill, on any device.</param>
    /// <param name="source">What the archive is, as the subject of error messages (e.g. "The MlNetMoco encoder file").</param>
    /// <param name="target">What the module is, for error messages (e.g. "a ResNet18 encoder with a V2 head").</param>
    /// <exception cref="InvalidDataException">The data is truncated or corrupt, or does not match the module.</exception>
    public static void ReadInto(BinaryReader reader, nn.Module module, string source, string target)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(module);
        var match = new StateDictMatch(module.state_dict(), target);
        try
        {
            int count = ReadCount(reader, source);
            using var noGrad = no_grad();
            for (int i = 0; i < count; i++)
            {
                var entry = ReadEntryHeader(reader, source);
                string? problem = match.Check(entry.Name, entry.DType, entry.Shape, out var destination);
                if (problem is not null) throw new InvalidDataException($"{source} {problem}.");
                using var cpu = empty(entry.Shape, entry.DType);
                ReadExactly(reader, cpu.bytes);
                destination.copy_(cpu);
            }
            string? missing = match.Missing();
            if (missing is not null) throw new InvalidDataException($"{source} {missing}.");
        }
        catch (Exception e) when (Translate(e, source) is { } translated)
        {
            throw translated;
        }
    }

    /// <summary>
    /// Copies <paramref name="tensors"/> into the parameters and buffers of <paramref name="module"/> (its state dict),
    /// requiring exactly the same names and shapes; the first mismatch is named in the error and nothing is copied then.
    /// </summary>
    /// <param name="module">The module to fill.</param>
    /// <param name="tensors">The tensors, e.g. from <see cref="Read"/>.</param>
    /// <param name="what">What the tensors are, as the subject of error messages (e.g. "Checkpoint 'a.bin'").</param>
    /// <exception cref="InvalidDataException">The tensors do not match the module.</exception>
    public static void LoadInto(nn.Module module, IReadOnlyList<(string Name, Tensor Tensor)> tensors, string what)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(tensors);
        string? problem = StateDictMatch.TryCopyAll(module.state_dict(), tensors, "the model");
        if (problem is not null) throw new InvalidDataException($"{what} {problem}.");
    }

    private readonly record struct EntryHeader(string Name, ScalarType DType, long[] Shape, long ByteLength);

    private static int ReadCount(BinaryReader reader, string source)
    {
        int count = reader.ReadInt32();
        if (count is < 0 or > MaxTensors) throw Corrupt(source, $"it claims {count} tensors");
        return count;
    }

    /// <summary>Reads and checks one tensor's name, element type, shape and byte length (up to its data).</summary>
    private static EntryHeader ReadEntryHeader(BinaryReader reader, string source)
    {
        string name = reader.ReadString();
        int code = reader.ReadInt32();
        int known = Array.FindIndex(Supported, t => (int)t == code);
        if (known < 0) throw Corrupt(source, $"tensor '{name}' has unsupported element type {code}");
        var dtype = Supported[known];
        int rank = reader.ReadInt32();
        if (rank is < 0 or > MaxRank) throw Corrupt(source, $"tensor '{name}' has rank {rank}");
        var shape = new long[rank];
        long elements = 1;
        for (int d = 0; d < rank; d++)
        {
            shape[d] = reader.ReadInt64();
            if (shape[d] < 0) throw Corrupt(source, $"tensor '{name}' has a negative dimension");
            // Saturates instead of overflowing; anything past Array.MaxLength is refused below.
            elements = elements == 0 || shape[d] <= Array.MaxLength / elements ? elements * shape[d] : long.MaxValue;
        }
        long expected = elements <= Array.MaxLength / ElementSize(dtype) ? elements * ElementSize(dtype) : long.MaxValue;
        long length = reader.ReadInt64();
        if (length != expected || length > Array.MaxLength)
            throw Corrupt(source, $"tensor '{name}' claims {length} bytes for shape {StateDictMatch.Format(shape)} of {dtype}");
        return new EntryHeader(name, dtype, shape, length);
    }

    private static bool IsSupported(ScalarType dtype) => Array.IndexOf(Supported, dtype) >= 0;

    private static int ElementSize(ScalarType dtype) => dtype switch
    {
        ScalarType.Byte => 1,
        ScalarType.Float32 => 4,
        _ => 8,
    };

    private static void ReadExactly(BinaryReader reader, Span<byte> destination)
    {
        while (!destination.IsEmpty)
        {
            int read = reader.Read(destination);
            if (read == 0) throw new EndOfStreamException();
            destination = destination[read..];
        }
    }

    private static InvalidDataException Corrupt(string source, string problem) => new($"{source} is corrupt: {problem}.");

    /// <summary>The reader's failures (end of data, malformed strings) as <see cref="InvalidDataException"/>s; null for the rest.</summary>
    private static InvalidDataException? Translate(Exception e, string source) => e switch
    {
        EndOfStreamException => new InvalidDataException($"{source} is truncated: the data ended before its tensors were complete.", e),
        IOException or FormatException => new InvalidDataException($"{source} is corrupt: {e.Message}", e),
        _ => null,
    };
}
