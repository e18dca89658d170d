using System.Globalization;
using System.Text;
using Spectre.Console;

namespace MlNetMoco.Demo.Reporting;

/// <summary>
/// The sweep's leaderboard: candidates that ran, best mean macro accuracy first (then micro), with mean ± std over the
/// folds in percent and the wall time of each cross-validation; skipped candidates last, with the reason.
/// </summary>
public static class Leaderboard
{
    /// <summary>The rows in leaderboard order.</summary>
    public static IReadOnlyList<LeaderboardRow> Order(IEnumerable<LeaderboardRow> rows) =>
        rows.OrderBy(r => r.Skipped is null ? 0 : 1)
            .ThenByDescending(r => r.Skipped is null ? r.MeanMacro : double.NegativeInfinity)
            .ThenByDescending(r => r.Skipped is null ? LeaderboardRow.MeanStd(r.MicroAccuracy).Mean : double.NegativeInfinity)
            .ToList();

    /// <summary>Prints the leaderboard: a Spectre table on a terminal, aligned plain text otherwise.</summary>
    public static void Print(IReadOnlyList<LeaderboardRow> rows, string title, bool? interactive = null, TextWriter? output = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (!(interactive ?? Terminal.IsInteractive))
        {
            (output ?? Console.Out).Write(PlainText(rows, title));
            return;
        }
        var table = new Table().Title(Markup.Escape(title));
        foreach (var header in Headers) table.AddColumn(header == "#" || header.Contains("acc", StringComparison.Ordinal) || header == "Wall" ? new TableColumn(header).RightAligned() : new TableColumn(header));
        foreach (var cells in Cells(rows)) table.AddRow(cells.Select(Markup.Escape).ToArray());
        Terminal.SpectreConsole(output).Write(table);
    }

    /// <summary>The leaderboard as aligned plain text (Markdown-compatible pipes).</summary>
    public static string PlainText(IReadOnlyList<LeaderboardRow> rows, string title)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var all = new List<string[]> { Headers }.Concat(Cells(rows)).ToList();
        var widths = Enumerable.Range(0, Headers.Length).Select(c => all.Max(r => r[c].Length)).ToArray();
        var text = new StringBuilder().AppendLine(title);
        for (int i = 0; i < all.Count; i++)
        {
            text.AppendLine("| " + string.Join(" | ", all[i].Select((cell, c) => c is 0 or >= 3 ? cell.PadLeft(widths[c]) : cell.PadRight(widths[c]))) + " |");
            if (i == 0) text.AppendLine("|" + string.Join("|", widths.Select((w, c) => c is 0 or >= 3 ? new string('-', w + 1) + ":" : new string('-', w + 2))) + "|");
        }
        return text.ToString();
    }

    private static readonly string[] Headers = ["#", "Trainer", "Settings", "Macro acc", "Micro acc", "Wall"];

    private static IEnumerable<string[]> Cells(IReadOnlyList<LeaderboardRow> rows) => Order(rows).Select((r, i) => r.Skipped is { } reason
        ? new[] { "–", r.Trainer, r.Settings, "skipped", reason, "–" }
        : [(i + 1).ToString(CultureInfo.InvariantCulture), r.Trainer, r.Settings, Percent(r.MacroAccuracy), Percent(r.MicroAccuracy), Jobs.FineTuneBudget.Format(r.Wall)]);

    private static string Percent(IReadOnlyList<double> values)
    {
        var (mean, std) = LeaderboardRow.MeanStd(values);
        return string.Create(CultureInfo.InvariantCulture, $"{100 * mean:F1}% ± {100 * std:F1}");
    }
}
