using System.Globalization;
using MlNetMoco.Logging;

namespace MlNetMoco.Data;

/// <summary>
/// The rows Fit skipped because the data view could not produce their image (corrupt, missing or unreadable files):
/// how many, and the first few with their reason, for the log and for the pixel store's header (so a reused store
/// reports them again).
/// </summary>
internal sealed class UnreadableRows
{
    /// <summary>How many rows are described one by one; the rest are only counted.</summary>
    public const int Examples = 5;

    private const int MaxExampleLength = 300;
    private const string CountKey = "skippedRows", ExamplesKey = "skippedExamples";
    private readonly List<string> _examples = new();

    /// <summary>Rows skipped so far.</summary>
    public long Count { get; private set; }

    /// <summary>The first <see cref="Examples"/> skipped rows, "row N (context): reason".</summary>
    public IReadOnlyList<string> First => _examples;

    /// <summary>Counts a skipped row; <paramref name="context"/> (e.g. the row's file name) is shown when given.</summary>
    public void Add(UnreadableRowException row, string? context)
    {
        Count++;
        if (_examples.Count >= Examples) return;
        string text = $"row {row.Row}{(string.IsNullOrEmpty(context) ? "" : $" ({context})")}: {row.Reason.TrimEnd('.', ' ')}";
        _examples.Add(text.Length > MaxExampleLength ? text[..(MaxExampleLength - 1)] + "…" : text);
    }

    /// <summary>The first rows, "row 4 (Path: 'a.png'): Invalid input stream contents; row 9 …", with "…" when there are more.</summary>
    public string Describe() => string.Join("; ", _examples) + (Count > _examples.Count ? "; …" : "");

    /// <summary>Logs the skipped rows as a warning (nothing when none were skipped).</summary>
    /// <param name="log">Where to write.</param>
    /// <param name="columnName">The input column.</param>
    /// <param name="storePath">Set when the rows were skipped while building this (reused) pixel store.</param>
    public void Report(MoCoLog log, string columnName, string? storePath = null)
    {
        if (Count == 0) return;
        string count = Count.ToString("N0", CultureInfo.InvariantCulture);
        log.Warning(storePath is null
            ? $"Skipped {count} row(s) of column '{columnName}' that could not be read (corrupt, missing or not an image?): {Describe()}. Training uses the other rows."
            : $"The pixel store '{storePath}' was built without {count} row(s) of column '{columnName}' that could not be read: {Describe()}.");
    }

    /// <summary>The facts to keep in a pixel store's header.</summary>
    public IEnumerable<KeyValuePair<string, string>> ToProperties()
    {
        yield return new(CountKey, Count.ToString(CultureInfo.InvariantCulture));
        if (_examples.Count > 0) yield return new(ExamplesKey, string.Join("\n", _examples));
    }

    /// <summary>The skipped rows recorded in a pixel store's header (none when it records none).</summary>
    public static UnreadableRows FromProperties(IReadOnlyDictionary<string, string> properties)
    {
        var rows = new UnreadableRows();
        if (properties.TryGetValue(CountKey, out var count) && long.TryParse(count, NumberStyles.Integer, CultureInfo.InvariantCulture, out long n))
            rows.Count = Math.Max(0, n);
        if (properties.TryGetValue(ExamplesKey, out var examples))
            rows._examples.AddRange(examples.Split('\n').Take(Examples));
        return rows;
    }
}
