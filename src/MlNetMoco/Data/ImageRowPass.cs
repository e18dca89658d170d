using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetMoco.Logging;
using MlNetMoco.Schema;

namespace MlNetMoco.Data;

/// <summary>
/// One pass over the input column of a data view, in row order, handing each readable image to a sink and skipping
/// (and counting) the rows the data view cannot produce. The pass first uses ML.NET's ordinary cursor, which may
/// evaluate image transforms on several threads; an unreadable file then fails that cursor as a whole without naming
/// the row, so the pass continues from where it was with a single-threaded cursor, which fails row by row.
/// </summary>
internal sealed class ImageRowPass
{
    private const int MaxContextColumns = 2, MaxContextLength = 120;
    private readonly IDataView _data;
    private readonly InputBinding _binding;
    private readonly float _inputScale;
    private readonly MoCoLog _log;
    private readonly OnceFlag _rangeWarning = new();

    public ImageRowPass(IDataView data, InputBinding binding, float inputScale, MoCoLog log)
    {
        _data = data;
        _binding = binding;
        _inputScale = inputScale;
        _log = log;
    }

    /// <summary>Rows the data view could not produce.</summary>
    public UnreadableRows Skipped { get; } = new();

    /// <summary>Largest raw value of a pixel vector column seen, to spot a scale that looks wrong.</summary>
    public float MaxRawValue { get; private set; } = float.NegativeInfinity;

    /// <summary>Reads every row; <paramref name="image"/> receives each readable image (C·H·W values in [0, 1], a reused buffer).</summary>
    /// <param name="image">The sink of readable images, in row order.</param>
    /// <param name="rowDone">Called after each row (read or skipped) with the number of rows done.</param>
    /// <param name="cancellationToken">Checked every 256 rows.</param>
    /// <returns>The number of rows in the data view.</returns>
    /// <exception cref="ArgumentException">A row holds NaN/∞ or a value of the wrong size (named).</exception>
    /// <exception cref="InvalidOperationException">The data view fails as a whole at a row (e.g. a cache before MoCo), so that row cannot be skipped.</exception>
    public long Run(Action<float[]> image, Action<long> rowDone, CancellationToken cancellationToken)
    {
        var columns = ActiveColumns();
        long rows = 0;
        using (var cursor = _data.GetRowCursor(columns))
        {
            if (ReadRows(cursor, skip: 0, ref rows, image, rowDone, cancellationToken, wholeCursorFails: true))
                return rows;
        }
        // The multi-threaded cursor failed after `rows` rows: go on row by row on one thread.
        using var single = _data.GetRowCursorSet(columns, 1)[0];
        long done = rows;
        rows = 0;
        ReadRows(single, skip: done, ref rows, image, rowDone, cancellationToken, wholeCursorFails: false);
        return rows;
    }

    // Reads rows from `cursor`, the first `skip` of which were already read. Returns false when the cursor itself
    // failed (only allowed when wholeCursorFails: the caller then continues on a single-threaded cursor).
    private bool ReadRows(DataViewRowCursor cursor, long skip, ref long rows, Action<float[]> image, Action<long> rowDone,
        CancellationToken cancellationToken, bool wholeCursorFails)
    {
        var reader = new PixelRowReader(cursor, _binding, _inputScale, _rangeWarning, _log);
        var context = ContextGetters(cursor);
        var buffer = new float[_binding.Shape.Size];
        try
        {
            while (true)
            {
                bool more;
                try
                {
                    more = cursor.MoveNext();
                }
                catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
                {
                    if (wholeCursorFails) return false;
                    throw new InvalidOperationException(
                        $"Row {rows} of column '{_binding.ColumnName}' cannot be read, and the data view fails as a whole there, so the row cannot be skipped " +
                        $"(is a cache, e.g. AppendCacheCheckpoint, placed before MoCo?): {e.Message}", e);
                }
                if (!more) return true;
                if ((rows & 255) == 0) cancellationToken.ThrowIfCancellationRequested();
                if (rows++ < skip) continue;
                try
                {
                    reader.Read(buffer);
                    image(buffer);
                }
                catch (UnreadableRowException e)
                {
                    Skipped.Add(e, Context(context));
                }
                rowDone(rows);
            }
        }
        finally
        {
            MaxRawValue = Math.Max(MaxRawValue, reader.MaxRawValue);
        }
    }

    // The input column, and up to two text columns (e.g. the image path LoadImages read) to name skipped rows by.
    private DataViewSchema.Column[] ActiveColumns() =>
        new[] { _data.Schema[_binding.ColumnName] }.Concat(ContextColumns()).ToArray();

    private IEnumerable<DataViewSchema.Column> ContextColumns() =>
        _data.Schema.Where(c => !c.IsHidden && c.Type is TextDataViewType && c.Name != _binding.ColumnName).Take(MaxContextColumns);

    private List<(string Name, ValueGetter<ReadOnlyMemory<char>> Getter)> ContextGetters(DataViewRow row) =>
        ContextColumns().Select(c => (c.Name, row.GetGetter<ReadOnlyMemory<char>>(c))).ToList();

    private static string? Context(List<(string Name, ValueGetter<ReadOnlyMemory<char>> Getter)> getters)
    {
        var parts = new List<string>();
        foreach (var (name, getter) in getters)
        {
            try
            {
                ReadOnlyMemory<char> value = default;
                getter(ref value);
                string text = value.Length > MaxContextLength ? value[..MaxContextLength] + "…" : value.ToString();
                parts.Add($"{name}: '{text}'");
            }
            catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
            {
                // The context is a courtesy: a column that cannot be read is left out.
            }
        }
        return parts.Count == 0 ? null : string.Join(", ", parts);
    }
}
