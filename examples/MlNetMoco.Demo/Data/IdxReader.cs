using System.Buffers.Binary;
using System.IO.Compression;

namespace MlNetMoco.Demo.Data;

/// <summary>Reads the IDX files of MNIST and Fashion-MNIST (big-endian header, unsigned bytes), gzip-compressed or not.</summary>
public static class IdxReader
{
    /// <summary>Reads an IDX file of unsigned bytes; returns its dimensions and values.</summary>
    /// <exception cref="InvalidDataException">Not an IDX file of unsigned bytes, or truncated.</exception>
    public static (int[] Dimensions, byte[] Values) Read(string path)
    {
        using var file = File.OpenRead(path);
        using Stream stream = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(file, CompressionMode.Decompress) : file;
        Span<byte> header = stackalloc byte[4];
        stream.ReadExactly(header);
        if (header[0] != 0 || header[1] != 0 || header[2] != 0x08)
            throw new InvalidDataException($"'{path}' is not an IDX file of unsigned bytes.");
        var dims = new int[header[3]];
        Span<byte> dim = stackalloc byte[4];
        long total = 1;
        for (int i = 0; i < dims.Length; i++)
        {
            stream.ReadExactly(dim);
            dims[i] = BinaryPrimitives.ReadInt32BigEndian(dim);
            total *= dims[i];
        }
        var values = new byte[total];
        try { stream.ReadExactly(values); }
        catch (EndOfStreamException e) { throw new InvalidDataException($"'{path}' is truncated.", e); }
        return (dims, values);
    }
}
