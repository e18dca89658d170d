namespace MlNetMoco.Core.Data;

/// <summary>Looking at, validating and deleting pixel store files without mapping them.</summary>
public static class PixelStoreFile
{
    /// <summary>Reads and checks the header of the store at <paramref name="path"/> (magic, version, checksum, file length).</summary>
    /// <exception cref="FileNotFoundException">There is no file at <paramref name="path"/>.</exception>
    /// <exception cref="NotAPixelStoreException">The file is not a pixel store.</exception>
    /// <exception cref="InvalidDataException">The store is damaged, truncated or newer than this build.</exception>
    public static PixelStoreHeader ReadHeader(string path)
    {
        string full = Path.GetFullPath(path);
        using var stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, bufferSize: 1);
        return ReadHeader(stream, $"Pixel store '{full}'");
    }

    /// <summary>What is at <paramref name="path"/>: nothing, a valid store (with its header), a damaged store, or another file.</summary>
    public static PixelStoreInspection Inspect(string path)
    {
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full))
            return new PixelStoreInspection(PixelStoreState.NotAStore, null, $"'{full}' is a folder, not a pixel store file.");
        if (!File.Exists(full)) return new PixelStoreInspection(PixelStoreState.Missing, null, $"There is no file at '{full}'.");
        try
        {
            return new PixelStoreInspection(PixelStoreState.Valid, ReadHeader(full), "");
        }
        catch (NotAPixelStoreException e)
        {
            return new PixelStoreInspection(PixelStoreState.NotAStore, null, e.Message);
        }
        catch (InvalidDataException e)
        {
            return new PixelStoreInspection(PixelStoreState.Damaged, null, e.Message);
        }
    }

    /// <summary>
    /// Deletes the pixel store at <paramref name="path"/> and any partial files a writer left next to it (after a
    /// crash). Returns false when there was nothing to delete. A process that has the store open keeps reading it
    /// until it closes it (on Linux and macOS).
    /// </summary>
    /// <exception cref="NotAPixelStoreException">The file at <paramref name="path"/> is not a pixel store: it is left alone.</exception>
    public static bool Delete(string path)
    {
        string full = Path.GetFullPath(path);
        var inspection = Inspect(full);
        if (inspection.State == PixelStoreState.NotAStore)
            throw new NotAPixelStoreException($"'{full}'");
        bool deleted = false;
        if (inspection.State != PixelStoreState.Missing)
        {
            File.Delete(full);
            deleted = true;
        }
        string? directory = Path.GetDirectoryName(full);
        if (directory != null && Directory.Exists(directory))
            foreach (var partial in Directory.EnumerateFiles(directory, Path.GetFileName(full) + ".*.partial"))
            {
                File.Delete(partial);
                deleted = true;
            }
        return deleted;
    }

    /// <summary>Reads and checks the header at the start of <paramref name="stream"/>, and that the stream has the length the header implies.</summary>
    internal static PixelStoreHeader ReadHeader(Stream stream, string source)
    {
        var prefix = new byte[PixelStoreHeader.PrefixLength];
        stream.Position = 0;
        int read = stream.ReadAtLeast(prefix, prefix.Length, throwOnEndOfStream: false);
        int offset = PixelStoreHeader.ReadDataOffset(prefix.AsSpan(0, read), source);
        var bytes = new byte[offset];
        stream.Position = 0;
        read = stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
        var header = PixelStoreHeader.Parse(bytes.AsSpan(0, read), source);
        if (stream.Length != header.FileLength)
            throw new InvalidDataException(
                $"{source} is corrupt: {header.Count} images of {header.Shape} need {header.FileLength} bytes, but the file has {stream.Length} (truncated or appended to).");
        return header;
    }
}
