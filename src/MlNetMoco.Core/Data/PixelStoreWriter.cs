namespace MlNetMoco.Core.Data;

/// <summary>
/// Writes a pixel store file in one pass: images are appended one by one as bytes (value·255), into a temporary
/// file next to the target that is renamed onto it by <see cref="Complete"/>, so the target path only ever holds a
/// complete store (or its previous content). Disposing without completing deletes the temporary file. A full disk
/// raises <see cref="InsufficientDiskSpaceException"/> and leaves no partial file; when the image count is known in
/// advance the free space is checked before anything is written.
/// </summary>
public sealed class PixelStoreWriter : IDisposable
{
    private readonly long? _expectedCount;
    private readonly PixelStoreWriterOptions _options;
    private readonly string _directory;
    private readonly byte[] _image;
    private Stream? _stream;
    private bool _completed;

    private PixelStoreWriter(string path, string temporaryPath, ImageShape shape, long? expectedCount, PixelStoreWriterOptions options)
    {
        Path = path;
        TemporaryPath = temporaryPath;
        Shape = shape;
        _expectedCount = expectedCount;
        _options = options;
        _directory = System.IO.Path.GetDirectoryName(path)!;
        _image = new byte[shape.Size];
    }

    /// <summary>Starts a store at <paramref name="path"/> (created with its folder; an existing file there is replaced on completion).</summary>
    /// <param name="path">The final file.</param>
    /// <param name="shape">Shape of every image.</param>
    /// <param name="expectedCount">Images that will be added, when known: the free space is checked against it first.</param>
    /// <param name="options">How to write; null for the defaults.</param>
    /// <exception cref="InsufficientDiskSpaceException">The disk has less free space than the expected images need.</exception>
    public static PixelStoreWriter Create(string path, ImageShape shape, long? expectedCount = null, PixelStoreWriterOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        shape.Validate();
        if (expectedCount < 0) throw new ArgumentOutOfRangeException(nameof(expectedCount), expectedCount, "The expected image count cannot be negative.");
        options ??= new PixelStoreWriterOptions();
        string full = System.IO.Path.GetFullPath(path);
        var writer = new PixelStoreWriter(full, $"{full}.{Guid.NewGuid():N}.partial", shape, expectedCount, options);
        Directory.CreateDirectory(writer._directory);
        if (expectedCount is long count)
        {
            long needed = PixelStoreHeader.DefaultDataOffset + count * shape.Size;
            if ((options.FreeBytesOverride ?? DiskSpace.FreeBytes(writer._directory)) is long free && free < needed)
                throw new InsufficientDiskSpaceException(full, needed, free);
        }
        writer.Open();
        return writer;
    }

    /// <summary>The final path of the store.</summary>
    public string Path { get; }

    /// <summary>The file being written until <see cref="Complete"/> renames it to <see cref="Path"/>.</summary>
    public string TemporaryPath { get; }

    /// <summary>Shape of every image.</summary>
    public ImageShape Shape { get; }

    /// <summary>Images added so far.</summary>
    public long Count { get; private set; }

    /// <summary>Appends one image whose values are in [0, 1] (values outside are clamped).</summary>
    /// <exception cref="ArgumentException">The span does not hold exactly one image, or holds NaN/∞.</exception>
    /// <exception cref="InsufficientDiskSpaceException">The disk is full (the partial file is removed).</exception>
    public void Add(ReadOnlySpan<float> pixels)
    {
        if (pixels.Length != Shape.Size)
            throw new ArgumentException($"An image of shape {Shape} has {Shape.Size} values, got {pixels.Length}.", nameof(pixels));
        PixelConversion.Quantize(pixels, _image, Count);
        AddBytes(_image);
    }

    /// <summary>Appends whole images already stored as bytes (value·255), C×H×W each, image after image.</summary>
    /// <exception cref="ArgumentException">The length is not a multiple of the image size.</exception>
    /// <exception cref="InsufficientDiskSpaceException">The disk is full (the partial file is removed).</exception>
    public void AddBytes(ReadOnlySpan<byte> images)
    {
        if (images.Length % Shape.Size != 0)
            throw new ArgumentException($"{images.Length} bytes are not whole images of {Shape.Size} bytes ({Shape}).", nameof(images));
        var stream = _stream ?? throw new InvalidOperationException($"The pixel store '{Path}' is already complete or abandoned.");
        long added = images.Length / Shape.Size;
        try
        {
            stream.Write(images);
        }
        catch (IOException e) when (DiskSpace.IsFull(e))
        {
            throw DiskFull(e, Count + added);
        }
        Count += added;
    }

    /// <summary>
    /// Writes the header, flushes the file to the disk and renames it onto <see cref="Path"/>; returns the header.
    /// </summary>
    /// <param name="fingerprint">Identity of the source, for reuse checks (<see cref="PixelStoreHeader.Fingerprint"/>).</param>
    /// <param name="description">A human-readable note on the source.</param>
    /// <param name="properties">Further facts to record (e.g. rows skipped while reading).</param>
    /// <exception cref="InsufficientDiskSpaceException">The disk filled up while flushing (the partial file is removed).</exception>
    public PixelStoreHeader Complete(string fingerprint = "", string description = "", IReadOnlyDictionary<string, string>? properties = null)
    {
        var stream = _stream ?? throw new InvalidOperationException($"The pixel store '{Path}' is already complete or abandoned.");
        var header = new PixelStoreHeader
        {
            Shape = Shape,
            Count = Count,
            Fingerprint = fingerprint,
            Description = description,
            Properties = properties ?? new Dictionary<string, string>(),
        };
        var bytes = header.ToBytes();
        try
        {
            stream.Flush();
            stream.Position = 0;
            stream.Write(bytes);
            if (stream is FileStream file && _options.FlushToDisk) file.Flush(flushToDisk: true);
            else stream.Flush();
            stream.Dispose();
            _stream = null;
            File.Move(TemporaryPath, Path, overwrite: true);
        }
        catch (IOException e) when (DiskSpace.IsFull(e))
        {
            throw DiskFull(e, Count);
        }
        catch
        {
            Abandon();
            throw;
        }
        _completed = true;
        return header;
    }

    /// <summary>Deletes the temporary file unless <see cref="Complete"/> succeeded.</summary>
    public void Dispose()
    {
        if (!_completed) Abandon();
    }

    private void Open()
    {
        _stream = _options.OpenTemporaryFile?.Invoke(TemporaryPath)
                  ?? new FileStream(TemporaryPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, bufferSize: 1 << 20);
        try
        {
            if (!_stream.CanSeek || !_stream.CanWrite)
                throw new InvalidOperationException("A pixel store is written to a writable, seekable stream.");
            // Room for the header, written by Complete once the count and metadata are known.
            _stream.Write(new byte[PixelStoreHeader.DefaultDataOffset]);
        }
        catch (IOException e) when (DiskSpace.IsFull(e))
        {
            throw DiskFull(e, _expectedCount ?? 0);
        }
        catch
        {
            Abandon();
            throw;
        }
    }

    private InsufficientDiskSpaceException DiskFull(IOException error, long images)
    {
        Abandon();
        long needed = PixelStoreHeader.DefaultDataOffset + Math.Max(images, _expectedCount ?? 0) * Shape.Size;
        return new InsufficientDiskSpaceException(Path, needed, _options.FreeBytesOverride ?? DiskSpace.FreeBytes(_directory),
            _expectedCount is null ? "(The image count was not known in advance: that is a lower bound.)" : null, error);
    }

    private void Abandon()
    {
        try { _stream?.Dispose(); }
        catch (IOException) { } // a full disk also fails the final flush of a buffered stream: the file goes anyway
        _stream = null;
        try { File.Delete(TemporaryPath); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
