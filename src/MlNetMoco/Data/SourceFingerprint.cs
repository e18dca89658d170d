using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.ML;
using MlNetMoco.Logging;
using MlNetMoco.Schema;

namespace MlNetMoco.Data;

/// <summary>
/// What identifies the images a Fit would read, so a pixel store built from them can be reused without reading them
/// again: the input column (name, type, kind), the image shape, the input scale, the number of rows and the pixels
/// of the first <see cref="SampleRows"/> rows, hashed (SHA-256). Data that changes beyond those rows without changing
/// the row count is not noticed: delete the store (<see cref="MoCoPixelStore.Delete"/>) when the data changes.
/// </summary>
internal static class SourceFingerprint
{
    /// <summary>Rows whose pixels enter the fingerprint.</summary>
    public const int SampleRows = 8;

    /// <summary>The fingerprint of <paramref name="data"/>'s input column, which has <paramref name="rows"/> rows.</summary>
    /// <exception cref="ArgumentException">A sampled row holds NaN/∞ or a value of the wrong size (named).</exception>
    public static string Compute(IDataView data, InputBinding binding, float inputScale, long rows)
    {
        var column = data.Schema[binding.ColumnName];
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture,
            $"mlnetmoco-pixels/1|column={binding.ColumnName}|type={column.Type}|kind={binding.Kind}|shape={binding.Shape.Channels}x{binding.Shape.Height}x{binding.Shape.Width}|scale={inputScale:R}|rows={rows}|sample=");
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(text.ToString()));
        AppendSample(hash, data, binding, inputScale);
        return Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant();
    }

    /// <summary>The number of rows of <paramref name="data"/>: its own count, else one pass with no column active (images are not decoded).</summary>
    public static long CountRows(IDataView data, CancellationToken cancellationToken)
    {
        if (data.GetRowCount() is long known) return known;
        long rows = 0;
        using var cursor = data.GetRowCursor(Array.Empty<DataViewSchema.Column>());
        while (cursor.MoveNext())
            if ((++rows & 4095) == 0) cancellationToken.ThrowIfCancellationRequested();
        return rows;
    }

    // The first rows' pixels as bytes (value·255, as the store keeps them); an unreadable row counts as a marker.
    private static void AppendSample(IncrementalHash hash, IDataView data, InputBinding binding, float inputScale)
    {
        using var cursor = data.GetRowCursorSet(new[] { data.Schema[binding.ColumnName] }, 1)[0];
        var reader = new PixelRowReader(cursor, binding, inputScale, new OnceFlag(), MoCoLog.None);
        var pixels = new float[binding.Shape.Size];
        var bytes = new byte[binding.Shape.Size];
        for (int n = 0; n < SampleRows && cursor.MoveNext(); n++)
        {
            try
            {
                reader.Read(pixels);
            }
            catch (UnreadableRowException)
            {
                hash.AppendData("unreadable"u8);
                continue;
            }
            for (int i = 0; i < bytes.Length; i++) bytes[i] = (byte)Math.Clamp(MathF.Round(pixels[i] * 255f), 0f, 255f);
            hash.AppendData(bytes);
        }
    }
}
