using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetMoco.Core.Data;

namespace MlNetMoco.Benchmarks;

/// <summary>Builds the ML.NET input of the transform and bridge benchmarks and reads vector columns back.</summary>
internal static class PixelDataView
{
    /// <summary>The input column name.</summary>
    public const string PixelColumn = nameof(PixelRow.Pixels);

    /// <summary>
    /// An <see cref="IDataView"/> over <paramref name="rows"/> with a known-size <c>Vector&lt;Single, C·H·W&gt;</c>
    /// column "Pixels" (what the MoCo estimator reads), backed by the in-memory rows.
    /// </summary>
    public static IDataView Create(MLContext mlContext, IReadOnlyList<float[]> rows, ImageShape shape)
    {
        var definition = SchemaDefinition.Create(typeof(PixelRow));
        definition[PixelColumn].ColumnType = new VectorDataViewType(NumberDataViewType.Single, shape.Size);
        return mlContext.Data.LoadFromEnumerable(rows.Select(r => new PixelRow { Pixels = r }), definition);
    }

    /// <summary>Reads the vector column <paramref name="column"/> of every row; returns the number of rows (and a checksum, so nothing is optimised away).</summary>
    public static (long Rows, double Checksum) Scan(IDataView view, string column)
    {
        var schemaColumn = view.Schema[column];
        using var cursor = view.GetRowCursor([schemaColumn]);
        var getter = cursor.GetGetter<VBuffer<float>>(schemaColumn);
        VBuffer<float> buffer = default;
        long rows = 0;
        double checksum = 0;
        while (cursor.MoveNext())
        {
            getter(ref buffer);
            var values = buffer.GetValues();
            if (values.Length > 0) checksum += values[0];
            rows++;
        }
        return (rows, checksum);
    }
}
