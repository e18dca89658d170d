namespace MlNetMoco.Core.Data;

/// <summary>
/// Collects images in one pass and hands them out as an <see cref="IImageDataset"/>, choosing the storage: RAM
/// (<see cref="InMemoryImageDataset"/>) for data up to <see cref="ImageStoreOptions.InMemoryLimitBytes"/>, a pixel
/// store on disk (<see cref="MappedImageDataset"/>) above it or whenever <see cref="ImageStoreOptions.Path"/> is set.
/// When the image count is not known in advance it starts in RAM and moves to a temporary store once the limit is
/// passed. Dispose it to abandon an unfinished store (its partial file is deleted).
/// </summary>
public sealed class ImageStoreBuilder : IDisposable
{
    private readonly ImageStoreOptions _options;
    private readonly long? _expectedCount;
    private InMemoryImageDataset? _memory;
    private PixelStoreWriter? _writer;
    private bool _temporary;

    /// <summary>Starts an empty store.</summary>
    /// <param name="shape">Shape of every image.</param>
    /// <param name="options">Where to keep the images; null for the defaults (RAM up to 1 GiB, then a temporary file).</param>
    /// <param name="expectedCount">Images that will be added, when known: chooses the storage up front and checks the free disk space.</param>
    /// <exception cref="InsufficientDiskSpaceException">The store goes to disk and the disk lacks room for <paramref name="expectedCount"/> images.</exception>
    public ImageStoreBuilder(ImageShape shape, ImageStoreOptions? options = null, long? expectedCount = null)
    {
        Shape = shape.Validate();
        _options = (options ?? new ImageStoreOptions()).Validate();
        _expectedCount = expectedCount;
        if (expectedCount > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(expectedCount), expectedCount, $"An image data set holds at most {int.MaxValue} images.");
        if (_options.Path is { } path)
            _writer = PixelStoreWriter.Create(path, shape, expectedCount, _options.Writer);
        else if (expectedCount is long count && count * shape.Size > _options.EffectiveInMemoryLimit)
            StartTemporaryStore(expectedCount);
        else
            _memory = new InMemoryImageDataset(shape, (int)Math.Min(expectedCount ?? 1024, _options.EffectiveInMemoryLimit / shape.Size));
    }

    /// <summary>Shape of every image.</summary>
    public ImageShape Shape { get; }

    /// <summary>Images added so far.</summary>
    public long Count => _memory?.Count ?? _writer?.Count ?? 0;

    /// <summary>True once the images go to a file (a given path, or a temporary store).</summary>
    public bool IsOnDisk => _writer != null;

    /// <summary>The file the images go to (the final path, also for a temporary store), or null while they are in RAM.</summary>
    public string? StorePath => _writer?.Path;

    /// <summary>Appends one image whose values are in [0, 1] (values outside are clamped).</summary>
    /// <exception cref="ArgumentException">The span does not hold exactly one image, or holds NaN/∞.</exception>
    /// <exception cref="InsufficientDiskSpaceException">The disk is full (the partial file is removed).</exception>
    public void Add(ReadOnlySpan<float> pixels)
    {
        if (Count >= int.MaxValue)
            throw new InvalidOperationException($"An image data set holds at most {int.MaxValue} images.");
        if (_memory is { } memory)
        {
            if ((memory.Count + 1L) * Shape.Size > _options.EffectiveInMemoryLimit)
            {
                StartTemporaryStore(_expectedCount);
                _writer!.AddBytes(memory.Bytes);
                _memory = null;
            }
            else
            {
                memory.Add(pixels);
                return;
            }
        }
        (_writer ?? throw new InvalidOperationException("The store is already complete.")).Add(pixels);
    }

    /// <summary>
    /// Finishes the store and returns the images: the RAM data set, or the store file opened with a memory map
    /// (a temporary one is deleted when the returned data set is disposed; dispose it when done in either case).
    /// </summary>
    /// <param name="fingerprint">For a file: identity of the source (<see cref="PixelStoreHeader.Fingerprint"/>).</param>
    /// <param name="description">For a file: a human-readable note on the source.</param>
    /// <param name="properties">For a file: further facts to record.</param>
    public IImageDataset Complete(string fingerprint = "", string description = "", IReadOnlyDictionary<string, string>? properties = null)
    {
        if (_memory is { } memory)
        {
            _memory = null;
            return memory;
        }
        var writer = _writer ?? throw new InvalidOperationException("The store is already complete.");
        writer.Complete(fingerprint, description, properties);
        _writer = null;
        return MappedImageDataset.Open(writer.Path, deleteOnDispose: _temporary);
    }

    /// <summary>Abandons an unfinished store: its partial file is deleted.</summary>
    public void Dispose()
    {
        _writer?.Dispose();
        _writer = null;
        _memory = null;
    }

    private void StartTemporaryStore(long? expectedCount)
    {
        string directory = _options.TemporaryDirectory ?? System.IO.Path.GetTempPath();
        string path = System.IO.Path.Combine(directory, $"mlnetmoco-pixels-{Guid.NewGuid():N}.pxs");
        _writer = PixelStoreWriter.Create(path, Shape, expectedCount, _options.Writer);
        _temporary = true;
    }
}
