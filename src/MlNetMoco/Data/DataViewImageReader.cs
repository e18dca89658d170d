using System.Globalization;
using Microsoft.ML;
using MlNetMoco.Core.Data;
using MlNetMoco.Logging;
using MlNetMoco.Schema;

namespace MlNetMoco.Data;

/// <summary>
/// The IDataView → image store bridge: reads the input column once (image transforms release their images as they
/// are consumed, and a multi-epoch Fit must not decode files again), validating every row, into compact
/// one-byte-per-value storage: RAM for small data, a memory-mapped pixel store on disk for large data or when
/// <see cref="MoCoOptions.PixelStorePath"/> is set (reused by later Fits of the same data).
/// </summary>
internal static class DataViewImageReader
{
    /// <summary>
    /// The training images of <paramref name="binding"/>'s column: a matching pixel store at
    /// <see cref="MoCoOptions.PixelStorePath"/> reused as it is, or one pass over the rows into RAM or a store
    /// (<see cref="ImageStoreBuilder"/>) that skips, counts and logs the rows whose image cannot be read. Dispose the
    /// result when it is <see cref="IDisposable"/> (a store on disk).
    /// </summary>
    /// <exception cref="ArgumentException">A pixel store setting is not valid, the file at PixelStorePath is not a pixel store, a row holds NaN/∞ (named), or no row could be read.</exception>
    /// <exception cref="InsufficientDiskSpaceException">The disk of the pixel store lacks room (no partial file is left).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static IImageDataset ReadTrainingImages(IDataView data, InputBinding binding, MoCoOptions options, MoCoLog log,
        CancellationToken cancellationToken)
    {
        options.ValidatePixelStore();
        string? path = options.PixelStorePath is { } given ? Path.GetFullPath(given) : null;
        long? rows = path is null ? data.GetRowCount() : SourceFingerprint.CountRows(data, cancellationToken);
        string fingerprint = "";
        if (path is not null)
        {
            fingerprint = SourceFingerprint.Compute(data, binding, options.InputScale, rows!.Value);
            if (TryReuse(path, fingerprint, binding, rows.Value, log) is { } reused) return reused;
        }

        var storeOptions = new ImageStoreOptions { Path = path, InMemoryLimitBytes = options.InMemoryLimitBytes };
        try
        {
            return Build(data, binding, options, storeOptions, rows, fingerprint, log, cancellationToken);
        }
        catch (InsufficientDiskSpaceException e)
        {
            throw new InsufficientDiskSpaceException(e.Path, e.RequiredBytes, e.AvailableBytes,
                "Set MoCoOptions.PixelStorePath to a disk with room" + (path is null ? " (or raise MoCoOptions.InMemoryLimitBytes to keep the images in RAM)." : "."),
                e.InnerException ?? e);
        }
    }

    /// <summary>Reads every row of <paramref name="binding"/>'s column into memory, failing on the first row that cannot be read (for the k-NN monitor, whose labels are read separately).</summary>
    /// <exception cref="ArgumentException">A row holds NaN/∞ or cannot be read (the message names the row).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static InMemoryImageDataset Read(IDataView data, InputBinding binding, float inputScale, MoCoLog log,
        CancellationToken cancellationToken)
    {
        long? rows = data.GetRowCount();
        var dataset = new InMemoryImageDataset(binding.Shape, (int)Math.Min(rows ?? 1024, int.MaxValue / Math.Max(1, binding.Shape.Size)));
        var column = data.Schema[binding.ColumnName];
        var buffer = new float[binding.Shape.Size];
        using var cursor = data.GetRowCursor(new[] { column });
        var reader = new PixelRowReader(cursor, binding, inputScale, new OnceFlag(), log);
        while (cursor.MoveNext())
        {
            if ((cursor.Position & 255) == 0) cancellationToken.ThrowIfCancellationRequested();
            reader.Read(buffer);
            dataset.Add(buffer);
        }
        cancellationToken.ThrowIfCancellationRequested();
        WarnIfScaleLooksWrong(binding, inputScale, dataset.Count, reader.MaxRawValue, log);
        return dataset;
    }

    private static IImageDataset? TryReuse(string path, string fingerprint, InputBinding binding, long rows, MoCoLog log)
    {
        var inspection = PixelStoreFile.Inspect(path);
        switch (inspection.State)
        {
            case PixelStoreState.NotAStore:
                throw new ArgumentException(
                    $"MoCoOptions.PixelStorePath = '{path}' is not valid: {inspection.Problem} It is left alone: choose another path for the pixel store, or delete that file.",
                    nameof(MoCoOptions.PixelStorePath));
            case PixelStoreState.Damaged:
                log.Warning($"{inspection.Problem} Rebuilding the pixel store.");
                return null;
            case PixelStoreState.Valid when inspection.Header is { } header && header.Fingerprint == fingerprint && header.Shape == binding.Shape:
                var store = MappedImageDataset.Open(path);
                var skipped = UnreadableRows.FromProperties(header.Properties);
                log.Info(string.Create(CultureInfo.InvariantCulture,
                    $"Reusing the pixel store '{path}' ({store.Count:N0} images of {header.Shape}, built {header.CreatedUtc:yyyy-MM-dd HH:mm} UTC from the same {rows:N0} rows of column '{binding.ColumnName}'): the rows are not read again."));
                skipped.Report(log, binding.ColumnName, path);
                return store;
            case PixelStoreState.Valid:
                log.Info($"The pixel store '{path}' was built from other data ({Difference(inspection.Header!, binding, rows)}): rebuilding it.");
                return null;
            default:
                return null;
        }
    }

    private static string Difference(PixelStoreHeader header, InputBinding binding, long rows)
    {
        if (header.Shape != binding.Shape) return $"images of {header.Shape}, not {binding.Shape}";
        if (header.Properties.TryGetValue(SourceRowsKey, out var built) && built != rows.ToString(CultureInfo.InvariantCulture))
            return $"{built} rows, not {rows}";
        return "another column, input scale or pixels";
    }

    private const string SourceRowsKey = "sourceRows";

    private static IImageDataset Build(IDataView data, InputBinding binding, MoCoOptions options, ImageStoreOptions storeOptions, long? rows,
        string fingerprint, MoCoLog log, CancellationToken cancellationToken)
    {
        using var builder = new ImageStoreBuilder(binding.Shape, storeOptions, rows);
        var progress = new StoreProgressLog(log, rows);
        var pass = new ImageRowPass(data, binding, options.InputScale, log);
        string? storePath = null; // set once the images go to a file
        bool onDisk = false;
        string Destination() => storeOptions.Path is null ? $"in the temporary pixel store '{storePath}'" : $"in the pixel store '{storePath}'";
        void Announce()
        {
            if (onDisk || !builder.IsOnDisk) return;
            onDisk = true;
            storePath = builder.StorePath;
            progress.EveryTenth();
            if (storeOptions.Path is null)
                log.Info(string.Create(CultureInfo.InvariantCulture,
                    $"The images of column '{binding.ColumnName}' take more than MoCoOptions.InMemoryLimitBytes ({options.InMemoryLimitBytes:N0} bytes): storing them {Destination()}, deleted after Fit."));
        }

        Announce();
        long total = pass.Run(
            image: pixels => { builder.Add(pixels); Announce(); },
            rowDone: done => progress.RowDone(done, pass.Skipped.Count, onDisk ? Destination() : "in memory"),
            cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        if (builder.Count == 0 && pass.Skipped.Count > 0)
            throw new ArgumentException(
                $"None of the {total:N0} rows of column '{binding.ColumnName}' could be read (corrupt, missing or not images?): {pass.Skipped.Describe()}.",
                nameof(data));

        var properties = new Dictionary<string, string>(pass.Skipped.ToProperties()) { [SourceRowsKey] = total.ToString(CultureInfo.InvariantCulture) };
        var images = builder.Complete(fingerprint, $"column '{binding.ColumnName}' ({binding.Kind}, {binding.Shape}) of an ML.NET data view, {total} rows", properties);
        double seconds = Math.Max(progress.Elapsed.TotalSeconds, 1e-9);
        long bytes = (long)images.Count * binding.Shape.Size;
        log.Info(string.Create(CultureInfo.InvariantCulture,
            $"Stored {images.Count:N0} images of {binding.Shape} from column '{binding.ColumnName}' {(onDisk ? Destination() : "in memory")} " +
            $"({bytes / 1e6:N1} MB) in {seconds:0.0} s ({total / seconds:N0} rows/s)."));
        pass.Skipped.Report(log, binding.ColumnName);
        WarnIfScaleLooksWrong(binding, options.InputScale, images.Count, pass.MaxRawValue, log);
        return images;
    }

    private static void WarnIfScaleLooksWrong(InputBinding binding, float inputScale, int count, float maxRawValue, MoCoLog log)
    {
        if (binding.Kind == InputKind.PixelVector && inputScale > 1 && count > 0 && maxRawValue <= 1f)
            log.Warning($"Every value of column '{binding.ColumnName}' is in [0, 1] but InputScale is {inputScale}, so the images look nearly black to the encoder. " +
                        "If the pixels are already scaled to [0, 1], set MoCoOptions.InputScale = 1.");
    }
}
