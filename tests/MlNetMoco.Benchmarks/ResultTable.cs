using System.Globalization;
using System.Text;

namespace MlNetMoco.Benchmarks;

/// <summary>Formats case results as one Markdown table (readable in a terminal, pasteable into notes).</summary>
internal static class ResultTable
{
    private static readonly string[] Header =
        ["case", "figure", "value", "unit", "bare reference", "ratio", "peak WS MiB (base)", "CUDA MiB", "cores", "load1 before→after", "notes"];

    // Right-aligned columns.
    private static readonly bool[] Numeric = [false, false, true, false, false, true, true, true, true, false, false];

    /// <summary>The table of <paramref name="results"/>.</summary>
    public static string Format(IReadOnlyList<CaseResult> results)
    {
        var lines = new List<string[]>();
        foreach (var result in results)
        {
            string[] caseCells =
            [
                result.Id,
                Mib(result.PeakWorkingSetBytes) + (result.InProcess ? "*" : "") + $" ({Mib(result.BaseWorkingSetBytes)})",
                result.CudaPeakBytes is long cuda ? Mib(cuda) : "-",
                Number(result.CpuCores, "0.00"),
                $"{Number(result.LoadBefore, "0.00")}→{Number(result.LoadAfter, "0.00")}",
            ];
            if (result.Error is not null)
            {
                lines.Add([caseCells[0], "FAILED: " + result.Error, "", "", "", "", "", "", "", caseCells[4], ""]);
                continue;
            }
            bool first = true;
            foreach (var row in result.Rows)
            {
                lines.Add(
                [
                    first ? caseCells[0] : "",
                    row.Figure,
                    Rate(row.Value),
                    row.Unit,
                    row.Reference is null ? "" : $"{row.Reference} {Rate(row.ReferenceValue ?? double.NaN)}",
                    row.Ratio is double ratio ? (ratio < 0.0001 ? "<0.0001" : Number(ratio, ratio >= 10 ? "0.0" : ratio >= 0.1 ? "0.00" : "0.0###")) + "×" : "",
                    first ? caseCells[1] : "",
                    first ? caseCells[2] : "",
                    first ? caseCells[3] : "",
                    first ? caseCells[4] : "",
                    row.Note ?? "",
                ]);
                first = false;
            }
        }

        var widths = Header.Select((h, c) => Math.Max(h.Length, lines.Select(l => l[c].Length).DefaultIfEmpty(0).Max())).ToArray();
        var text = new StringBuilder();
        Append(text, Header, widths);
        text.Append('|');
        for (int c = 0; c < widths.Length; c++)
            text.Append(Numeric[c] ? new string('-', widths[c] + 1) + ":|" : ":" + new string('-', widths[c] + 1) + "|");
        text.AppendLine();
        foreach (var line in lines) Append(text, line, widths);
        return text.ToString();
    }

    /// <summary>What the columns mean, printed under the table.</summary>
    public static string Legend =>
        "ratio = time per item of the figure / time per item of its bare reference (same device, same process; = reference rate / figure rate).\n" +
        "  pretrain: bare reference = encoder with the MoCo v2 head, train mode, forward+backward of one batch of already-augmented tensors,\n" +
        "  run right after each measured loop step, as is each other part (paired, so load bursts on a shared machine hit the step and\n" +
        "  its parts alike); the notes' ratios are medians of the per-step ratios. A MoCo step is 2 forwards + 1 backward + 2 augmentations\n" +
        "  + the loss against the queue: the 'sum of parts' rows are its floor without and with the loss; the loop's excess over the\n" +
        "  second is optimizer, momentum update, Shuffle-BN, batch copies and waiting for the batch producer.\n" +
        "  transform: reference = TrainedEncoder.Extract at the same batch size on pixels already in [0, 1] (no IDataView);\n" +
        "  bridge: reference = SmallConvNet forward+backward, so a ratio of 0.01 means the bridge adds about 1% to a training step's cost.\n" +
        "peak WS = PeakWorkingSet64 (VmHWM) of the case's own process over its main phase (pretrain: the loop up to the end of its warm-up\n" +
        "  epoch, before any bare network exists; VmHWM is reset when the loop starts;\n" +
        "  * = in-process run: may include earlier cases);\n" +
        "  base = working set when the case started (runtime + libtorch loaded). CUDA MiB = peak seen by nvidia-smi (context + caching allocator).\n" +
        "cores = process CPU time / wall time over the case (how many of the machine's cores it actually got); load1 = 1-minute load average,\n" +
        "  which on a small machine includes this benchmark's own threads.";

    private static void Append(StringBuilder text, IReadOnlyList<string> cells, int[] widths)
    {
        text.Append('|');
        for (int c = 0; c < widths.Length; c++)
            text.Append(' ').Append(Numeric[c] ? cells[c].PadLeft(widths[c]) : cells[c].PadRight(widths[c])).Append(" |");
        text.AppendLine();
    }

    private static string Rate(double value) =>
        !double.IsFinite(value) ? "n/a" : value.ToString(value >= 100 ? "#,0" : value >= 10 ? "0.0" : "0.00", CultureInfo.InvariantCulture);

    private static string Mib(long bytes) => bytes <= 0 ? "-" : (bytes / (1024.0 * 1024.0)).ToString("#,0", CultureInfo.InvariantCulture);

    private static string Number(double value, string format) =>
        double.IsFinite(value) ? value.ToString(format, CultureInfo.InvariantCulture) : "?";
}
