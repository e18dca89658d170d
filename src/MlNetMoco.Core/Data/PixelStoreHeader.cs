using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace MlNetMoco.Core.Data;

/// <summary>
/// The header of a pixel store file (<see cref="PixelStoreWriter"/>, <see cref="MappedImageDataset"/>): what the
/// images are and where they came from. The file is this header, zero-padded to <see cref="DataOffset"/> (a multiple
/// of 4096 bytes), then <see cref="Count"/> images of C·H·W bytes each (byte b is the value b/255), image after image.
/// </summary>
/// <remarks>
/// Binary layout (little-endian): 8-byte magic <c>MLNMPXST</c>; format version (uint32); data offset (uint32);
/// channels, height, width (int32 each); value scale (float32, 255); count (int64); FNV-1a 64-bit checksum of the
/// whole header with this field zeroed (uint64); metadata length (int32); metadata (UTF-8 JSON: fingerprint,
/// description, creation time, properties); zero padding up to the data offset.
/// </remarks>
public sealed record PixelStoreHeader
{
    /// <summary>The first 8 bytes of every pixel store file.</summary>
    public static ReadOnlySpan<byte> Magic => "MLNMPXST"u8;

    /// <summary>The format version this build writes and the newest it reads.</summary>
    public const int FormatVersion = 1;

    /// <summary>Headers (and so the pixel data offset) are padded to a multiple of this many bytes (a page).</summary>
    public const int Alignment = 4096;

    /// <summary>Bytes before the metadata JSON.</summary>
    internal const int FixedLength = 52;

    private const int ChecksumOffset = 40;

    /// <summary>Shape of every image.</summary>
    public required ImageShape Shape { get; init; }

    /// <summary>Number of images in the file.</summary>
    public required long Count { get; init; }

    /// <summary>
    /// An identity of the source the caller can compare before reusing the file (e.g. a hash of the schema, the row
    /// count and a sample of the pixels); empty when none was given.
    /// </summary>
    public string Fingerprint { get; init; } = "";

    /// <summary>A human-readable note on the source (e.g. the column it was read from); empty when none was given.</summary>
    public string Description { get; init; } = "";

    /// <summary>When the file was completed (UTC).</summary>
    public DateTime CreatedUtc { get; init; } = DateTime.UtcNow;

    /// <summary>Further string facts the writer recorded (e.g. rows skipped while building).</summary>
    public IReadOnlyDictionary<string, string> Properties { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// Byte offset of the first image: the room reserved for the header, a multiple of <see cref="Alignment"/>.
    /// Default <see cref="DefaultDataOffset"/> (16 KiB), which the writer reserves before it knows the metadata.
    /// </summary>
    public int DataOffset { get; init; } = DefaultDataOffset;

    /// <summary>The header room a writer reserves: 16 KiB, room for about 16,000 bytes of metadata.</summary>
    public const int DefaultDataOffset = 4 * Alignment;

    /// <summary>Bytes of pixel data: Count · C · H · W.</summary>
    public long DataLength => Count * Shape.Size;

    /// <summary>Size the complete file has.</summary>
    public long FileLength => DataOffset + DataLength;

    /// <summary>The header as it is written at the start of the file, padded to <see cref="DataOffset"/> bytes.</summary>
    /// <exception cref="ArgumentException">The metadata does not fit in <see cref="DataOffset"/>, or the offset is not a positive multiple of <see cref="Alignment"/>.</exception>
    public byte[] ToBytes()
    {
        var metadata = MetadataBytes();
        if (DataOffset <= 0 || DataOffset % Alignment != 0 || DataOffset > MaxDataOffset)
            throw new ArgumentException($"A pixel store's data offset must be a multiple of {Alignment} up to {MaxDataOffset}, not {DataOffset}.");
        if (FixedLength + metadata.Length > DataOffset)
            throw new ArgumentException($"The pixel store's metadata (fingerprint, description, properties) takes {metadata.Length} bytes; at most {DataOffset - FixedLength} fit in its header.");
        var bytes = new byte[DataOffset];
        var span = bytes.AsSpan();
        Magic.CopyTo(span);
        BinaryPrimitives.WriteUInt32LittleEndian(span[8..], FormatVersion);
        BinaryPrimitives.WriteUInt32LittleEndian(span[12..], (uint)bytes.Length);
        BinaryPrimitives.WriteInt32LittleEndian(span[16..], Shape.Channels);
        BinaryPrimitives.WriteInt32LittleEndian(span[20..], Shape.Height);
        BinaryPrimitives.WriteInt32LittleEndian(span[24..], Shape.Width);
        BinaryPrimitives.WriteSingleLittleEndian(span[28..], PixelConversion.ByteScale);
        BinaryPrimitives.WriteInt64LittleEndian(span[32..], Count);
        BinaryPrimitives.WriteInt32LittleEndian(span[48..], metadata.Length);
        metadata.CopyTo(span[FixedLength..]);
        BinaryPrimitives.WriteUInt64LittleEndian(span[ChecksumOffset..], Checksum(span));
        return bytes;
    }

    private const int MaxDataOffset = 64 * Alignment;

    /// <summary>Length of the fixed part that tells how long the whole header is (<see cref="ReadDataOffset"/>).</summary>
    internal const int PrefixLength = 16;

    /// <summary>Checks the magic and version of the first <see cref="PrefixLength"/> bytes and returns the header length.</summary>
    /// <exception cref="NotAPixelStoreException">The bytes do not start with <see cref="Magic"/>.</exception>
    /// <exception cref="InvalidDataException">A newer format, a truncated prefix or an impossible header length.</exception>
    internal static int ReadDataOffset(ReadOnlySpan<byte> prefix, string source)
    {
        if (prefix.Length < Magic.Length || !prefix[..Magic.Length].SequenceEqual(Magic))
            throw new NotAPixelStoreException(source);
        if (prefix.Length < PrefixLength)
            throw new InvalidDataException($"{source} is corrupt: it ends after {prefix.Length} bytes, inside its header.");
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(prefix[8..]);
        if (version == 0 || version > FormatVersion)
            throw new InvalidDataException($"{source} is pixel store format version {version}; this build reads versions 1 to {FormatVersion} (written by a newer MlNetMoco?).");
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(prefix[12..]);
        if (length < FixedLength || length % Alignment != 0 || length > MaxDataOffset)
            throw new InvalidDataException($"{source} is corrupt: its header claims {length} bytes.");
        return (int)length;
    }

    /// <summary>Parses and verifies a whole header (the first <see cref="DataOffset"/> bytes of a file).</summary>
    /// <exception cref="NotAPixelStoreException">The bytes do not start with <see cref="Magic"/>.</exception>
    /// <exception cref="InvalidDataException">A newer format, bad checksum or impossible values (the message says which).</exception>
    internal static PixelStoreHeader Parse(ReadOnlySpan<byte> bytes, string source)
    {
        int length = ReadDataOffset(bytes, source);
        if (bytes.Length < length) throw new InvalidDataException($"{source} is corrupt: it ends inside its {length}-byte header.");
        bytes = bytes[..length];
        ulong stored = BinaryPrimitives.ReadUInt64LittleEndian(bytes[ChecksumOffset..]);
        if (stored != Checksum(bytes)) throw new InvalidDataException($"{source} is corrupt: its header checksum does not match.");
        var shape = new ImageShape(BinaryPrimitives.ReadInt32LittleEndian(bytes[16..]), BinaryPrimitives.ReadInt32LittleEndian(bytes[20..]),
            BinaryPrimitives.ReadInt32LittleEndian(bytes[24..]));
        float scale = BinaryPrimitives.ReadSingleLittleEndian(bytes[28..]);
        long count = BinaryPrimitives.ReadInt64LittleEndian(bytes[32..]);
        int metadataLength = BinaryPrimitives.ReadInt32LittleEndian(bytes[48..]);
        if (shape.Channels <= 0 || shape.Height <= 0 || shape.Width <= 0 || count < 0 || count > int.MaxValue || scale != PixelConversion.ByteScale
            || metadataLength < 0 || metadataLength > length - FixedLength)
            throw new InvalidDataException($"{source} is corrupt: impossible header values (shape {shape}, {count} images, scale {scale}).");
        Metadata? metadata;
        try
        {
            metadata = JsonSerializer.Deserialize<Metadata>(bytes.Slice(FixedLength, metadataLength));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source} is corrupt: its metadata is not valid JSON ({e.Message}).", e);
        }
        return new PixelStoreHeader
        {
            Shape = shape,
            Count = count,
            Fingerprint = metadata?.Fingerprint ?? "",
            Description = metadata?.Description ?? "",
            CreatedUtc = metadata?.CreatedUtc ?? default,
            Properties = metadata?.Properties ?? new Dictionary<string, string>(),
            DataOffset = length,
        };
    }

    private byte[] MetadataBytes() => JsonSerializer.SerializeToUtf8Bytes(
        new Metadata(Fingerprint, Description, CreatedUtc, new Dictionary<string, string>(Properties)));

    // FNV-1a 64 over the header with its checksum field taken as zero.
    private static ulong Checksum(ReadOnlySpan<byte> header)
    {
        ulong hash = 14695981039346656037UL;
        for (int i = 0; i < header.Length; i++)
        {
            byte b = i >= ChecksumOffset && i < ChecksumOffset + 8 ? (byte)0 : header[i];
            hash = (hash ^ b) * 1099511628211UL;
        }
        return hash;
    }

    private sealed record Metadata(string Fingerprint, string Description, DateTime CreatedUtc, Dictionary<string, string> Properties);
}
