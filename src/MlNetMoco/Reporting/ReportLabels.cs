using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetMoco.Reporting;

/// <summary>
/// The label column of the training report: each row's class as invariant text ("key 3" for a key, the text, "True",
/// "7", "2.5"), or null when the row has none (key 0, empty text, NaN), so partly labelled data works.
/// </summary>
internal static class ReportLabels
{
    /// <summary>Whether <paramref name="type"/> can name a class.</summary>
    public static bool IsSupported(DataViewType type) =>
        type is KeyDataViewType or TextDataViewType or BooleanDataViewType ||
        type is NumberDataViewType && Number(type.RawType) is not null;

    /// <summary>"column 'Label' has type Vector&lt;Single, 3&gt;; expected …" when the column is missing or unsupported, else null.</summary>
    public static string? Problem(DataViewSchema schema, string name)
    {
        var column = schema.GetColumnOrNull(name);
        if (column is null) return $"label column '{name}' was not found";
        return IsSupported(column.Value.Type) ? null
            : $"label column '{name}' has type {column.Value.Type}; expected a key (MapValueToKey), text, an integer, a Boolean or a number";
    }

    /// <summary>Each row's class, or null when the row has no label.</summary>
    public static List<string?> Read(IDataView data, string name, CancellationToken cancellationToken)
    {
        var column = data.Schema[name];
        using var cursor = data.GetRowCursor(new[] { column });
        var read = Getter(cursor, column);
        var labels = new List<string?>();
        while (cursor.MoveNext())
        {
            if ((cursor.Position & 4095) == 0) cancellationToken.ThrowIfCancellationRequested();
            labels.Add(read());
        }
        return labels;
    }

    private static Func<string?> Getter(DataViewRowCursor cursor, DataViewSchema.Column column)
    {
        var type = column.Type;
        if (type is KeyDataViewType)
            return KeyGetter(cursor, column, k => k == 0 ? null : "key " + k.ToString(CultureInfo.InvariantCulture));
        if (type is TextDataViewType)
            return Of<ReadOnlyMemory<char>>(cursor, column, t => t.Span.Trim().IsEmpty ? null : t.ToString());
        if (type is BooleanDataViewType)
            return Of<bool>(cursor, column, b => b ? "True" : "False");
        return Number(type.RawType) is { } make ? make(cursor, column)
            : throw new ArgumentOutOfRangeException("inputSchema", $"Label column '{column.Name}' has type {type}.");
    }

    private static Func<DataViewRowCursor, DataViewSchema.Column, Func<string?>>? Number(Type raw)
    {
        if (raw == typeof(float)) return (c, col) => Of<float>(c, col, v => float.IsFinite(v) ? v.ToString("R", CultureInfo.InvariantCulture) : null);
        if (raw == typeof(double)) return (c, col) => Of<double>(c, col, v => double.IsFinite(v) ? v.ToString("R", CultureInfo.InvariantCulture) : null);
        if (raw == typeof(sbyte)) return (c, col) => Of<sbyte>(c, col, Text);
        if (raw == typeof(byte)) return (c, col) => Of<byte>(c, col, Text);
        if (raw == typeof(short)) return (c, col) => Of<short>(c, col, Text);
        if (raw == typeof(ushort)) return (c, col) => Of<ushort>(c, col, Text);
        if (raw == typeof(int)) return (c, col) => Of<int>(c, col, Text);
        if (raw == typeof(uint)) return (c, col) => Of<uint>(c, col, Text);
        if (raw == typeof(long)) return (c, col) => Of<long>(c, col, Text);
        if (raw == typeof(ulong)) return (c, col) => Of<ulong>(c, col, Text);
        return null;
    }

    private static string Text<T>(T value) where T : IFormattable => value.ToString(null, CultureInfo.InvariantCulture);

    private static Func<string?> Of<T>(DataViewRowCursor cursor, DataViewSchema.Column column, Func<T, string?> map)
    {
        var getter = cursor.GetGetter<T>(column);
        return () =>
        {
            T value = default!;
            getter(ref value);
            return map(value);
        };
    }

    /// <summary>Keys of any width (byte, ushort, uint, ulong) as ulong.</summary>
    private static Func<string?> KeyGetter(DataViewRowCursor cursor, DataViewSchema.Column column, Func<ulong, string?> map)
    {
        var raw = column.Type.RawType;
        if (raw == typeof(uint)) return Widen<uint>(cursor, column, v => v, map);
        if (raw == typeof(ulong)) return Widen<ulong>(cursor, column, v => v, map);
        if (raw == typeof(ushort)) return Widen<ushort>(cursor, column, v => v, map);
        if (raw == typeof(byte)) return Widen<byte>(cursor, column, v => v, map);
        throw new ArgumentOutOfRangeException("inputSchema", $"Label column '{column.Name}' has type {column.Type}.");
    }

    private static Func<string?> Widen<T>(DataViewRowCursor cursor, DataViewSchema.Column column, Func<T, ulong> widen, Func<ulong, string?> map)
    {
        var getter = cursor.GetGetter<T>(column);
        return () =>
        {
            T value = default!;
            getter(ref value);
            return map(widen(value));
        };
    }
}
