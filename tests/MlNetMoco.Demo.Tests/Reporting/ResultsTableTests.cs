using MlNetMoco.Demo.Reporting;

namespace MlNetMoco.Demo.Tests.Reporting;

public class ResultsTableTests
{
    private static readonly ResultRow[] Rows =
    {
        new("MoCo v2 (frozen)", "1%", 100, 0.6521, 0.6498), new("MoCo v2 (frozen)", "100%", 10000, 0.846),
        new("Raw pixels", "1%", 100, 0.606), new("Raw \"quoted\" | piped", "100%", 10000, 0.842),
    };

    [Fact]
    public void Markdown_has_methods_as_rows_budgets_as_columns_a_macro_table_and_the_notes()
    {
        string path = Path.GetTempFileName();
        ResultsTable.WriteMarkdown(path, Rows, "Title", new[] { "a note", "another" });
        var lines = File.ReadAllLines(path);
        File.Delete(path);
        Assert.Equal("### Title", lines[0]);
        Assert.Equal("| Method | 1% (100 labels) | 100% (10,000 labels) |", lines[2]);
        Assert.Equal("|---|---:|---:|", lines[3]);
        Assert.Equal("| MoCo v2 (frozen) | 65.2% | 84.6% |", lines[4]);
        Assert.Equal("| Raw pixels | 60.6% | – |", lines[5]);
        Assert.Equal("| Raw \"quoted\" \\| piped | – | 84.2% |", lines[6]);
        Assert.Contains("Macro-averaged accuracy (mean per-class recall):", lines);
        Assert.Contains("| MoCo v2 (frozen) | 65.0% | – |", lines);
        Assert.Contains("a note", lines);
        Assert.Contains("another", lines);
    }

    [Fact]
    public void Markdown_has_no_macro_table_when_no_row_has_one()
    {
        string path = Path.GetTempFileName();
        ResultsTable.WriteMarkdown(path, Rows.Select(r => r with { MacroAccuracy = null }).ToArray(), "T", Array.Empty<string>());
        string text = File.ReadAllText(path);
        File.Delete(path);
        Assert.DoesNotContain("Macro", text);
    }

    [Fact]
    public void Csv_is_invariant_and_quotes_method_names()
    {
        var culture = Thread.CurrentThread.CurrentCulture;
        Thread.CurrentThread.CurrentCulture = new System.Globalization.CultureInfo("de-DE");
        string path = Path.GetTempFileName();
        try
        {
            ResultsTable.WriteCsv(path, Rows);
        }
        finally
        {
            Thread.CurrentThread.CurrentCulture = culture;
        }
        var lines = File.ReadAllLines(path);
        File.Delete(path);
        Assert.Equal(new[]
        {
            "method,label_budget,labels,accuracy,macro_accuracy",
            "\"MoCo v2 (frozen)\",1%,100,0.6521,0.6498",
            "\"MoCo v2 (frozen)\",100%,10000,0.8460,",
            "\"Raw pixels\",1%,100,0.6060,",
            "\"Raw \"\"quoted\"\" | piped\",100%,10000,0.8420,",
        }, lines);
    }

    [Fact]
    public void Plain_text_is_aligned_with_one_decimal_percentages()
    {
        var writer = new StringWriter();
        ResultsTable.Print(Rows, "Linear probe", interactive: false, output: writer);
        var lines = writer.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("Linear probe", lines[0]);
        Assert.Equal("Method               | 1% (100 labels) | 100% (10,000 labels)", lines[1]);
        Assert.Equal("---------------------+-----------------+---------------------", lines[2]);
        Assert.Equal("MoCo v2 (frozen)     |           65.2% |                84.6%", lines[3]);
        Assert.Equal("Raw pixels           |           60.6% |                    -", lines[4]);
        Assert.Equal(6, lines.Length);
    }

    [Fact]
    public void The_terminal_table_shows_every_cell()
    {
        var writer = new StringWriter();
        ResultsTable.Print(Rows, "Linear [probe]", interactive: true, output: writer);
        string text = writer.ToString();
        Assert.Contains("Linear [probe]", text);
        foreach (var cell in new[] { "MoCo v2 (frozen)", "65.2%", "84.6%", "60.6%", "84.2%", "10,000 labels" }) Assert.Contains(cell, text);
    }
}
