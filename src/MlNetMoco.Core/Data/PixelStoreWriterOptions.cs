namespace MlNetMoco.Core.Data;

/// <summary>How a <see cref="PixelStoreWriter"/> writes its file.</summary>
public sealed record PixelStoreWriterOptions
{
    /// <summary>
    /// Opens the temporary file the store is written to (next to the final path, renamed onto it when complete).
    /// It must return a new writable, seekable stream. Null (the default) creates a file with a 1 MiB buffer. Tests
    /// use it to inject write failures such as a full disk.
    /// </summary>
    public Func<string, Stream>? OpenTemporaryFile { get; init; }

    /// <summary>
    /// Flush the file to the disk (fsync) before renaming it, so that after a power loss the path holds either the
    /// old file or the complete new one. Default true.
    /// </summary>
    public bool FlushToDisk { get; init; } = true;

    /// <summary>
    /// Free bytes assumed on the target disk for the up-front space check; null (the default) asks the operating
    /// system. Tests use it to simulate a disk that is too small.
    /// </summary>
    public long? FreeBytesOverride { get; init; }
}
