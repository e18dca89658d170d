using System.Globalization;
using System.Text;
using Spectre.Console;

namespace MlNetMoco.Demo.Reporting;

/// <summary>The results table: methods as rows, label budgets as columns, accuracy in percent.</summary>
public static class ResultsTable
{
    /// <summary>Prints the table to the console.</summary>
    public static void Print(IReadOnlyList<ResultRow> rows, string title)
    {
        var budgets = Budgets(rows);
        var table = new Table().Title(Markup.Escape(title)).AddColumn("Method");
        foreach (var b in budgets) table.AddColumn(new TableColumn(Markup.Escape(Header(rows, b))).RightAligned());
        foreach (var method in rows.Select(r => r.Method).Distinct())
            table.AddRow(new[] { Markup.Escape(method) }.Concat(budgets.Select(b => Cell(rows, method, b))).ToArray());
        AnsiConsole.Write(table);
    }

    /// <summary>Writes the table as Markdown, with a title and notes under it.</summary>
    public static void WriteMarkdown(string path, IReadOnlyList<ResultRow> rows, string title, IEnumerable<string> notes)
    {
        var budgets = Budgets(rows);
        var md = new StringBuilder();
        md.AppendLine($"### {title}").AppendLine();
        md.AppendLine("| Method | " + string.Join(" | ", budgets.Select(b => Header(rows, b))) + " |");
        md.AppendLine("|---|" + string.Concat(budgets.Select(_ => "---:|")));
        foreach (var method in rows.Select(r => r.Method).Distinct())
            md.AppendLine($"| {method} | " + string.Join(" | ", budgets.Select(b => Cell(rows, method, b))) + " |");
        md.AppendLine();
        foreach (var note in notes) md.AppendLine(note).AppendLine();
        File.WriteAllText(path, md.ToString());
    }

    /// <summary>Writes one line per result: method, budget, labels, accuracy (invariant culture).</summary>
    public static void WriteCsv(string path, IReadOnlyList<ResultRow> rows)
    {
        var csv = new StringBuilder("method,label_budget,labels,accuracy\n");
        foreach (var r in rows)
            csv.Append(CultureInfo.InvariantCulture, $"\"{r.Method.Replace("\"", "\"\"")}\",{r.LabelBudget},{r.Labels},{r.Accuracy:F4}\n");
        File.WriteAllText(path, csv.ToString());
    }

    private static List<string> Budgets(IReadOnlyList<ResultRow> rows) => rows.Select(r => r.LabelBudget).Distinct().ToList();

    private static string Header(IReadOnlyList<ResultRow> rows, string budget) =>
        string.Create(CultureInfo.InvariantCulture, $"{budget} ({rows.First(r => r.LabelBudget == budget).Labels:N0} labels)");

    private static string Cell(IReadOnlyList<ResultRow> rows, string method, string budget) =>
        rows.FirstOrDefault(r => r.Method == method && r.LabelBudget == budget) is { } r
            ? string.Create(CultureInfo.InvariantCulture, $"{100 * r.Accuracy:F1}%")
            : "–";
}
