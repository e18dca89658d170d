namespace MlNetMoco.Core.Data;

/// <summary>Where <see cref="ImageStoreBuilder"/> keeps the images: in RAM, or in a pixel store file on disk.</summary>
public sealed record ImageStoreOptions
{
    /// <summary>Default of <see cref="InMemoryLimitBytes"/>: 1 GiB (e.g. 1.37 million images of 28×28, 349,000 of 3×32×32).</summary>
    public const long DefaultInMemoryLimitBytes = 1L << 30;

    /// <summary>
    /// A pixel store file to write (and to keep after use, e.g. to reuse it across runs); null keeps small data in
    /// RAM and writes larger data to a temporary store in <see cref="TemporaryDirectory"/>. Default null.
    /// </summary>
    public string? Path { get; init; }

    /// <summary>
    /// Data up to this many bytes (one byte per value) stays in RAM when no <see cref="Path"/> is given; larger data
    /// goes to a temporary store on disk, deleted after use. 0 always uses the disk. Capped at
    /// <see cref="Array.MaxLength"/> (about 2 GB), the most one array holds. Default
    /// <see cref="DefaultInMemoryLimitBytes"/> (1 GiB).
    /// </summary>
    public long InMemoryLimitBytes { get; init; } = DefaultInMemoryLimitBytes;

    /// <summary>Folder of temporary stores; null uses the system's temporary folder. Default null.</summary>
    public string? TemporaryDirectory { get; init; }

    /// <summary>How store files are written (tests inject failures here); null for the defaults. Default null.</summary>
    public PixelStoreWriterOptions? Writer { get; init; }

    /// <summary>The RAM limit in effect: <see cref="InMemoryLimitBytes"/> capped at <see cref="Array.MaxLength"/>.</summary>
    public long EffectiveInMemoryLimit => Math.Min(InMemoryLimitBytes, Array.MaxLength);

    /// <summary>Checks the settings.</summary>
    /// <exception cref="ArgumentException">A negative limit or a blank path.</exception>
    public ImageStoreOptions Validate()
    {
        if (InMemoryLimitBytes < 0)
            throw new ArgumentException($"ImageStoreOptions.InMemoryLimitBytes = {InMemoryLimitBytes} is not valid: expected 0 or more bytes.", nameof(InMemoryLimitBytes));
        if (Path is not null && string.IsNullOrWhiteSpace(Path))
            throw new ArgumentException("ImageStoreOptions.Path is blank: expected null or a file path.", nameof(Path));
        return this;
    }
}
