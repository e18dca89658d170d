using Microsoft.ML;
using MlNetMoco.Core.Data;
using MlNetMoco.Logging;
using MlNetMoco.Schema;

namespace MlNetMoco.Data;

/// <summary>
/// The IDataView → <see cref="InMemoryImageDataset"/> bridge: reads the input column once (image transforms release
/// their images as they are consumed, and a multi-epoch Fit must not decode files again), validating every row, into
/// compact one-byte-per-value storage.
/// </summary>
internal static class DataViewImageReader
{
    /// <summary>Reads every row of <paramref name="binding"/>'s column.</summary>
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

        if (binding.Kind == InputKind.PixelVector && inputScale > 1 && dataset.Count > 0 && reader.MaxRawValue <= 1f)
            log.Warning($"Every value of column '{binding.ColumnName}' is in [0, 1] but InputScale is {inputScale}, so the images look nearly black to the encoder. " +
                        "If the pixels are already scaled to [0, 1], set MoCoOptions.InputScale = 1.");
        return dataset;
    }
}
