using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetMoco.FineTuning;

/// <summary>
/// The classes of a label column and each row's 0-based class: a key column keeps its own numbering (class i is key
/// i + 1, named by its KeyValues when they are text, "1".."K" otherwise); raw text or numbers are mapped here, sorted
/// (numbers ascending, text ordinally), so every fold of a cross-validation numbers shared classes alike.
/// </summary>
internal sealed record ClassLabels(string[] Names, bool FromKey)
{
    /// <summary>Number of classes.</summary>
    public int Count => Names.Length;

    /// <summary>Checks that column <paramref name="name"/> of type <paramref name="type"/> can be a label column, naming it and what was expected.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The column is missing or of another type.</exception>
    public static void CheckType(string name, DataViewType? type)
    {
        if (type is null)
            throw new ArgumentOutOfRangeException("inputSchema", $"Label column '{name}' was not found in the input schema.");
        if (type is KeyDataViewType || type is TextDataViewType || IsNumber(type)) return;
        throw new ArgumentOutOfRangeException("inputSchema",
            $"Label column '{name}' has type {type}; expected a key (MapValueToKey), text or a number.");
    }

    /// <summary>Reads the training labels: the classes and each row's class.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The column is missing or of another type.</exception>
    /// <exception cref="ArgumentException">A label is missing (NaN, empty, key 0), or fewer than two classes occur.</exception>
    public static (ClassLabels Classes, int[] Labels) ReadTraining(IDataView data, string name)
    {
        var column = data.Schema.GetColumnOrNull(name);
        CheckType(name, column?.Type);
        var raw = ReadRaw(data, column!.Value);
        ClassLabels classes;
        int[] labels;
        if (column.Value.Type is KeyDataViewType key)
        {
            int count = key.Count > 0 ? checked((int)key.Count) : (int)raw.Max(r => r.Key);
            classes = new ClassLabels(KeyNames(column.Value, count), FromKey: true);
            labels = raw.Select(r => (int)r.Key - 1).ToArray();
        }
        else
        {
            var distinct = raw.Select(r => r.Text).Distinct().ToList();
            if (IsNumber(column.Value.Type))
                distinct.Sort((a, b) => double.Parse(a, CultureInfo.InvariantCulture).CompareTo(double.Parse(b, CultureInfo.InvariantCulture)));
            else
                distinct.Sort(StringComparer.Ordinal);
            classes = new ClassLabels(distinct.ToArray(), FromKey: false);
            var index = distinct.Select((v, i) => (v, i)).ToDictionary(p => p.v, p => p.i);
            labels = raw.Select(r => index[r.Text]).ToArray();
        }
        int seen = labels.Distinct().Count();
        if (seen < 2)
            throw new ArgumentException($"Label column '{name}' holds {seen} class in the training rows; classification needs at least 2.", nameof(data));
        return (classes, labels);
    }

    /// <summary>Reads labels of other rows (validation) in these classes.</summary>
    /// <exception cref="ArgumentException">A label is missing, or is a class the training rows do not have.</exception>
    public int[] Read(IDataView data, string name)
    {
        var column = data.Schema.GetColumnOrNull(name);
        CheckType(name, column?.Type);
        if ((column!.Value.Type is KeyDataViewType) != FromKey)
            throw new ArgumentOutOfRangeException("inputSchema", $"Label column '{name}' of the validation data has type {column.Value.Type}, unlike the training data's.");
        var raw = ReadRaw(data, column.Value);
        var index = Names.Select((v, i) => (v, i)).ToDictionary(p => p.v, p => p.i);
        return raw.Select((r, row) =>
        {
            if (FromKey)
                return r.Key <= (uint)Count ? (int)r.Key - 1
                    : throw new ArgumentException($"Row {row} of label column '{name}' is key {r.Key}, beyond the training data's {Count} classes.", nameof(data));
            return index.TryGetValue(r.Text, out int i) ? i
                : throw new ArgumentException($"Row {row} of label column '{name}' is '{r.Text}', a class the training rows do not have.", nameof(data));
        }).ToArray();
    }

    private static bool IsNumber(DataViewType type) => type is NumberDataViewType || type is BooleanDataViewType;

    private static string[] KeyNames(DataViewSchema.Column column, int count)
    {
        var annotation = column.Annotations.Schema.GetColumnOrNull("KeyValues");
        if (annotation?.Type is VectorDataViewType { ItemType: TextDataViewType })
        {
            VBuffer<ReadOnlyMemory<char>> values = default;
            column.Annotations.GetValue("KeyValues", ref values);
            var names = values.DenseValues().Select(v => v.ToString()).ToArray();
            if (names.Length == count && names.Distinct().Count() == count) return names;
        }
        return Enumerable.Range(1, count).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();
    }

    /// <summary>Each row's key (1-based) or invariant text, rejecting missing values with the row number.</summary>
    private static List<(uint Key, string Text)> ReadRaw(IDataView data, DataViewSchema.Column column)
    {
        string name = column.Name;
        var type = column.Type;
        using var cursor = data.GetRowCursor(new[] { column });
        var rows = new List<(uint, string)>();
        Func<(uint, string)> next = type switch
        {
            KeyDataViewType => Getter<uint>(cursor, column, v => (v, "")),
            TextDataViewType => Getter<ReadOnlyMemory<char>>(cursor, column, v => (1u, v.ToString())),
            BooleanDataViewType => Getter<bool>(cursor, column, v => (1u, v ? "1" : "0")),
            _ when type.RawType == typeof(float) => Getter<float>(cursor, column, v => (1u, float.IsFinite(v) ? v.ToString("R", CultureInfo.InvariantCulture) : "")),
            _ when type.RawType == typeof(double) => Getter<double>(cursor, column, v => (1u, double.IsFinite(v) ? v.ToString("R", CultureInfo.InvariantCulture) : "")),
            _ => Getter<object>(cursor, column, null),
        };
        while (cursor.MoveNext())
        {
            var (key, text) = next();
            if (key == 0 || (type is not KeyDataViewType && text.Length == 0))
                throw new ArgumentException($"Row {cursor.Position} of label column '{name}' is missing (NaN, empty or an unknown key); every training row needs a label.", nameof(data));
            rows.Add((key, text));
        }
        return rows;
    }

    private static Func<(uint, string)> Getter<T>(DataViewRowCursor cursor, DataViewSchema.Column column, Func<T, (uint, string)>? map)
    {
        if (map is null) return IntegerGetter(cursor, column);
        var getter = cursor.GetGetter<T>(column);
        return () => { T value = default!; getter(ref value); return map(value); };
    }

    /// <summary>Integer columns of any width, as invariant text.</summary>
    private static Func<(uint, string)> IntegerGetter(DataViewRowCursor cursor, DataViewSchema.Column column)
    {
        var raw = column.Type.RawType;
        if (raw == typeof(int)) return Text<int>(cursor, column);
        if (raw == typeof(long)) return Text<long>(cursor, column);
        if (raw == typeof(uint)) return Text<uint>(cursor, column);
        if (raw == typeof(ulong)) return Text<ulong>(cursor, column);
        if (raw == typeof(short)) return Text<short>(cursor, column);
        if (raw == typeof(ushort)) return Text<ushort>(cursor, column);
        if (raw == typeof(sbyte)) return Text<sbyte>(cursor, column);
        if (raw == typeof(byte)) return Text<byte>(cursor, column);
        throw new ArgumentOutOfRangeException("inputSchema", $"Label column '{column.Name}' has type {column.Type}; expected a key, text or a number.");
    }

    private static Func<(uint, string)> Text<T>(DataViewRowCursor cursor, DataViewSchema.Column column) where T : IFormattable
    {
        var getter = cursor.GetGetter<T>(column);
        return () => { T value = default!; getter(ref value); return (1u, value.ToString(null, CultureInfo.InvariantCulture)); };
    }
}
