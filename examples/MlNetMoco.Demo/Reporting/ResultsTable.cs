using System.Globalization;
using System.Text;
using Spectre.Console;

namespace MlNetMoco.Demo.Reporting;

/// <summary>
/// The results table: methods as rows (in order of first appearance), label budgets as columns, accuracy in percent
/// with one decimal. Printed to the console, written as Markdown and as CSV.
/// </summary>
public static class ResultsTable
{
    private const string Missing = "–";

    /// <summary>Prints the table: a Spectre table on a terminal, aligned plain text otherwise.</summary>
    /// <param name="rows">The results.</param>
    /// <param name="title">Shown above the table.</param>
    /// <param name="interactive">Spectre table (true) or plain text (false); null asks <see cref="Terminal.IsInteractive"/>.</param>
    /// <param name="output">Where to write; null is the process console.</param>
    public static void Print(IReadOnlyList<ResultRow> rows, string title, bool? interactive = null, TextWriter? output = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (!(interactive ?? Terminal.IsInteractive))
        {
            (output ?? Console.Out).Write(PlainText(rows, title));
            return;
        }
        var budgets = Budgets(rows);
        var table = new Table().Title(Markup.Escape(title)).AddColumn("Method");
        foreach (var b in budgets) table.AddColumn(new TableColumn(Markup.Escape(Header(rows, b))).RightAligned());
        foreach (var method in Methods(rows))
            table.AddRow(new[] { Markup.Escape(method) }.Concat(budgets.Select(b => Cell(rows, method, b, r => r.Accuracy))).ToArray());
        Terminal.SpectreConsole(output).Write(table);
    }

    /// <summary>The table as aligned plain text (what <see cref="Print"/> writes when not on a terminal).</summary>
    public static string PlainText(IReadOnlyList<ResultRow> rows, string title)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var budgets = Budgets(rows);
        var lines = new List<string[]> { new[] { "Method" }.Concat(budgets.Select(b => Header(rows, b))).ToArray() };
        lines.AddRange(Methods(rows).Select(m => new[] { m }.Concat(budgets.Select(b => Cell(rows, m, b, r => r.Accuracy, "-"))).ToArray()));
        var widths = Enumerable.Range(0, lines[0].Length).Select(c => lines.Max(l => l[c].Length)).ToArray();
        string Format(string[] cells) =>
            string.Join(" | ", cells.Select((s, c) => c == 0 ? s.PadRight(widths[c]) : s.PadLeft(widths[c]))).TrimEnd();
        var text = new StringBuilder().AppendLine(title);
        text.AppendLine(Format(lines[0]));
        text.AppendLine(string.Join("-+-", widths.Select(w => new string('-', w))));
        foreach (var line in lines.Skip(1)) text.AppendLine(Format(line));
        return text.ToString();
    }

    /// <summary>
    /// Writes the table as Markdown: a <c>###</c> title, the accuracy table, a macro-accuracy table when any row has
    /// one, then each note as its own paragraph.
    /// </summary>
    public static void WriteMarkdown(string path, IReadOnlyList<ResultRow> rows, string title, IEnumerable<string> notes)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(notes);
        var md = new StringBuilder();
        md.AppendLine($"### {title}").AppendLine();
        MarkdownTable(md, rows, r => r.Accuracy);
        if (rows.Any(r => r.MacroAccuracy.HasValue))
        {
            md.AppendLine().AppendLine("Macro-averaged accuracy (mean per-class recall):").AppendLine();
            MarkdownTable(md, rows, r => r.MacroAccuracy);
        }
        md.AppendLine();
        foreach (var note in notes) md.AppendLine(note).AppendLine();
        File.WriteAllText(path, md.ToString());
    }

    /// <summary>
    /// Writes one line per result: <c>method,label_budget,labels,accuracy,macro_accuracy</c> (invariant culture,
    /// accuracies as fractions with four decimals, macro accuracy empty when unknown, method always quoted).
    /// </summary>
    public static void WriteCsv(string path, IReadOnlyList<ResultRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var csv = new StringBuilder("method,label_budget,labels,accuracy,macro_accuracy\n");
        foreach (var r in rows)
        {
            string macro = r.MacroAccuracy is { } m ? m.ToString("F4", CultureInfo.InvariantCulture) : "";
            csv.Append(CultureInfo.InvariantCulture, $"{Quote(r.Method)},{CsvField(r.LabelBudget)},{r.Labels},{r.Accuracy:F4},{macro}\n");
        }
        File.WriteAllText(path, csv.ToString());
    }

    private static void MarkdownTable(StringBuilder md, IReadOnlyList<ResultRow> rows, Func<ResultRow, double?> value)
    {
        var budgets = Budgets(rows);
        md.AppendLine("| Method | " + string.Join(" | ", budgets.Select(b => EscapeMarkdown(Header(rows, b)))) + " |");
        md.AppendLine("|---|" + string.Concat(budgets.Select(_ => "---:|")));
        foreach (var method in Methods(rows))
            md.AppendLine($"| {EscapeMarkdown(method)} | " + string.Join(" | ", budgets.Select(b => Cell(rows, method, b, value))) + " |");
    }

    private static List<string> Budgets(IReadOnlyList<ResultRow> rows) => rows.Select(r => r.LabelBudget).Distinct().ToList();

    private static List<string> Methods(IReadOnlyList<ResultRow> rows) => rows.Select(r => r.Method).Distinct().ToList();

    private static string Header(IReadOnlyList<ResultRow> rows, string budget) =>
        string.Create(CultureInfo.InvariantCulture, $"{budget} ({rows.First(r => r.LabelBudget == budget).Labels:N0} labels)");

    private static string Cell(IReadOnlyList<ResultRow> rows, string method, string budget, Func<ResultRow, double?> value, string missing = Missing) =>
        rows.FirstOrDefault(r => r.Method == method && r.LabelBudget == budget) is { } r && value(r) is { } v
            ? string.Create(CultureInfo.InvariantCulture, $"{100 * v:F1}%")
            : missing;

    private static string EscapeMarkdown(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);

    private static string Quote(string text) => "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static string CsvField(string text) => text.AsSpan().IndexOfAny(",\"\n\r") >= 0 ? Quote(text) : text;
}
