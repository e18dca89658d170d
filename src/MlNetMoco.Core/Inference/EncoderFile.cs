using System.Text;
using MlNetMoco.Core.Checkpoints;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Inference;

/// <summary>
/// The encoder file format of <see cref="TrainedEncoder.Save"/> and <see cref="TrainedEncoder.Load(Stream, Device)"/>,
/// little-endian: the 13 ASCII bytes <c>MLNETMOCO-ENC</c>; an int32 format version; an int32 byte length and the
/// UTF-8 JSON of the <see cref="EncoderDescription"/>; then every parameter and buffer of the network as a
/// <see cref="TensorArchive"/>. Reading takes exactly the file's bytes, so an encoder can be embedded in a longer stream.
/// Version 3 may carry a <see cref="FeatureStandardization"/> in the description (so older builds, which would ignore
/// it and return other features, refuse the file); version 2 describes the head as blocks; version 1 (MlNetMoco 0.1)
/// named it by its MoCo version. Versions 1 and 2 are still read, without standardisation.
/// </summary>
internal static class EncoderFile
{
    /// <summary>The format version written (and the newest read).</summary>
    public const int FormatVersion = 3;

    /// <summary>The oldest format version read.</summary>
    public const int OldestFormatVersion = 1;

    private const int MaxDescriptionBytes = 64 << 20;
    private const string Source = "The MlNetMoco encoder file";

    private static ReadOnlySpan<byte> Magic => "MLNETMOCO-ENC"u8;

    /// <summary>Writes <paramref name="description"/> and the state of <paramref name="network"/>; the stream is left open.</summary>
    public static void Write(Stream stream, EncoderDescription description, nn.Module network)
    {
        using var writer = new BinaryWriter(stream, TensorArchive.Utf8, leaveOpen: true);
        writer.Write(Magic);
        writer.Write(FormatVersion);
        byte[] json = TensorArchive.Utf8.GetBytes(description.ToJson());
        writer.Write(json.Length);
        writer.Write(json);
        TensorArchive.Write(writer, network.state_dict().Select(p => (p.Key, p.Value)).ToList());
        writer.Flush();
    }

    /// <summary>Reads an encoder onto <paramref name="device"/>; the stream is left open, just after the encoder.</summary>
    /// <exception cref="InvalidDataException">
    /// The data is not an encoder file, has another format version, is truncated or corrupt, describes an encoder that
    /// cannot be built, or its tensors do not match the described network (the first mismatching name is given).
    /// </exception>
    public static TrainedEncoder Read(Stream stream, Device device)
    {
        using var reader = new BinaryReader(stream, TensorArchive.Utf8, leaveOpen: true);
        var description = ReadDescription(reader);
        TrainedEncoder encoder;
        try
        {
            encoder = TrainedEncoder.Create(description, device);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{Source} describes an encoder that cannot be built: {e.Message}", e);
        }

        try
        {
            TensorArchive.ReadInto(reader, encoder.Network, Source,
                $"a {description.Backbone.Kind} encoder with the head {description.Head}");
            return encoder;
        }
        catch
        {
            encoder.Dispose();
            throw;
        }
    }

    private static EncoderDescription ReadDescription(BinaryReader reader)
    {
        try
        {
            Span<byte> magic = stackalloc byte[Magic.Length];
            if (ReadAtMost(reader, magic) != magic.Length || !magic.SequenceEqual(Magic))
                throw new InvalidDataException("The data is not an MlNetMoco encoder file (the 'MLNETMOCO-ENC' header is missing).");
            int version = reader.ReadInt32();
            if (version < OldestFormatVersion || version > FormatVersion)
                throw new InvalidDataException(
                    $"Unsupported MlNetMoco encoder format version {version} (this build reads versions {OldestFormatVersion} to {FormatVersion}).");
            int jsonLength = reader.ReadInt32();
            if (jsonLength <= 0 || jsonLength > MaxDescriptionBytes)
                throw new InvalidDataException($"{Source} is corrupt: its description claims {jsonLength} bytes.");
            var json = new byte[jsonLength];
            if (ReadAtMost(reader, json) != jsonLength) throw new EndOfStreamException();
            string text;
            try
            {
                text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(json);
            }
            catch (DecoderFallbackException e)
            {
                throw new InvalidDataException($"{Source} is corrupt: its description is not UTF-8.", e);
            }
            return EncoderDescription.FromJson(text);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"{Source} is truncated: the data ended before the encoder was complete.", e);
        }
    }

    private static int ReadAtMost(BinaryReader reader, Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int read = reader.Read(buffer[total..]);
            if (read == 0) break;
            total += read;
        }
        return total;
    }
}
