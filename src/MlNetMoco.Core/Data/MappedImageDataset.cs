using System.IO.MemoryMappedFiles;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MlNetMoco.Core.Data;

/// <summary>
/// A pixel store file (<see cref="PixelStoreWriter"/>) opened for random access through a read-only memory map:
/// images are decoded on demand from the operating system's page cache, so the process holds no copy of the data
/// set and its size is limited by the disk, not by RAM or by 2^31 bytes (offsets are 64-bit). Safe for concurrent
/// <see cref="CopyImages"/> calls from several threads; dispose it to unmap the file.
/// </summary>
/// <remarks>
/// Mapped pages that were read count in the process's file-backed resident set (RssFile). So that the resident set
/// stays flat over an epoch of a store larger than RAM, the pages are released from the process's page tables
/// (Linux <c>madvise(MADV_DONTNEED)</c>) after every <see cref="ResidentLimitBytes"/> read; the data stays in the
/// operating system's page cache, so a later read costs a minor page fault, not a disk read. Do not change
/// the file while it is open (a writer replaces a store by renaming a new file onto it, which is safe): reading a
/// mapped page that another program truncated away ends the process (SIGBUS).
/// </remarks>
public sealed class MappedImageDataset : IImageDataset, IDisposable
{
    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly long _dataStart;
    private readonly bool _deleteOnDispose;
    private long _bytesSinceRelease;
    private int _disposed;

    private MappedImageDataset(string path, PixelStoreHeader header, MemoryMappedFile file, MemoryMappedViewAccessor view, bool deleteOnDispose)
    {
        Path = path;
        Header = header;
        _file = file;
        _view = view;
        _dataStart = header.DataOffset + view.PointerOffset;
        _deleteOnDispose = deleteOnDispose;
    }

    /// <summary>Opens the store at <paramref name="path"/> after checking its header and length.</summary>
    /// <param name="path">A complete pixel store file.</param>
    /// <param name="deleteOnDispose">
    /// Delete the file when this object is disposed (a temporary store). On Linux and macOS the name is removed at
    /// once (the mapping keeps the data alive), so a crashed process leaves nothing behind. Default false.
    /// </param>
    /// <exception cref="FileNotFoundException">There is no file at <paramref name="path"/>.</exception>
    /// <exception cref="NotAPixelStoreException">The file is not a pixel store.</exception>
    /// <exception cref="InvalidDataException">The store is damaged, truncated or newer than this build (the message says which).</exception>
    public static MappedImageDataset Open(string path, bool deleteOnDispose = false)
    {
        string full = System.IO.Path.GetFullPath(path);
        var stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, bufferSize: 1);
        MemoryMappedFile? file = null;
        try
        {
            var header = PixelStoreFile.ReadHeader(stream, $"Pixel store '{full}'");
            file = MemoryMappedFile.CreateFromFile(stream, mapName: null, capacity: 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            var view = file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            var dataset = new MappedImageDataset(full, header, file, view, deleteOnDispose);
            if (deleteOnDispose && !OperatingSystem.IsWindows()) dataset.DeleteFile();
            return dataset;
        }
        catch
        {
            if (file is null) stream.Dispose();
            else file.Dispose();
            throw;
        }
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>The store's header (shape, count, fingerprint, description, properties).</summary>
    public PixelStoreHeader Header { get; }

    /// <inheritdoc />
    public int Count => (int)Header.Count;

    /// <summary>
    /// Bytes of images read after which the mapped pages are released from this process's resident set (Linux only;
    /// elsewhere the operating system manages them). Default 256 MiB.
    /// </summary>
    public long ResidentLimitBytes { get; set; } = 256L << 20;

    /// <inheritdoc />
    public ImageShape Shape => Header.Shape;

    /// <inheritdoc />
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    public void CopyImages(ReadOnlySpan<int> indices, Span<float> destination)
    {
        int size = Shape.Size;
        if (destination.Length < (long)indices.Length * size)
            throw new ArgumentException("Destination is too small for the requested images.", nameof(destination));
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var handle = _view.SafeMemoryMappedViewHandle;
        bool added = false;
        try
        {
            // The reference keeps the mapping alive while the images are decoded, even if Dispose runs meanwhile.
            handle.DangerousAddRef(ref added);
            nint data = handle.DangerousGetHandle() + (nint)_dataStart;
            for (int n = 0; n < indices.Length; n++)
            {
                int index = indices[n];
                if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(indices), $"Image index {index} is outside [0, {Count}).");
                // Decoded straight from the mapped pages (no copy): SafeBuffer.ReadSpan would move the bytes one by one.
                ref byte first = ref Unsafe.AddByteOffset(ref Unsafe.NullRef<byte>(), data + (nint)((long)index * size));
                PixelConversion.ToUnitFloats(MemoryMarshal.CreateReadOnlySpan(ref first, size), destination.Slice(n * size, size));
            }
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
        if (Interlocked.Add(ref _bytesSinceRelease, (long)indices.Length * size) >= ResidentLimitBytes)
        {
            Interlocked.Exchange(ref _bytesSinceRelease, 0);
            ReleaseResidentPages();
        }
    }

    /// <summary>Drops the mapped pages from this process's resident set (they stay in the page cache).</summary>
    private void ReleaseResidentPages()
    {
        if (!OperatingSystem.IsLinux()) return;
        var handle = _view.SafeMemoryMappedViewHandle;
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            // The view starts at an mmap result, so it is page-aligned; a failure only means the pages stay resident.
            _ = MAdvise(handle.DangerousGetHandle(), (nuint)handle.ByteLength, MadvDontNeed);
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
    }

    private const int MadvDontNeed = 4;

    [DllImport("libc", EntryPoint = "madvise", SetLastError = true)]
    private static extern int MAdvise(nint address, nuint length, int advice);

    /// <summary>Unmaps the file (and deletes it when opened with deleteOnDispose).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _view.Dispose();
        _file.Dispose();
        if (_deleteOnDispose) DeleteFile();
    }

    private void DeleteFile()
    {
        try { File.Delete(Path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
