using MlNetMoco.Demo.Reporting;

namespace MlNetMoco.Demo.Tests.Reporting;

public class ResultsTableTests
{
    private static readonly ResultRow[] Rows =
    {
        new("MoCo v2 (frozen)", "1%", 100, 0.6521), new("MoCo v2 (frozen)", "100%", 10000, 0.846),
        new("Raw pixels", "1%", 100, 0.606), new("Raw \"quoted\"", "100%", 10000, 0.842),
    };

    [Fact]
    public void Markdown_has_methods_as_rows_and_budgets_as_columns()
    {
        string path = Path.GetTempFileName();
        ResultsTable.WriteMarkdown(path, Rows, "Title", new[] { "a note" });
        var lines = File.ReadAllLines(path);
        Assert.Equal("### Title", lines[0]);
        Assert.Contains("| Method | 1% (100 labels) | 100% (10,000 labels) |", lines);
        Assert.Contains("| MoCo v2 (frozen) | 65.2% | 84.6% |", lines);
        Assert.Contains("| Raw pixels | 60.6% | – |", lines);
        Assert.Contains("a note", lines);
    }

    [Fact]
    public void Csv_is_invariant_and_quotes_method_names()
    {
        string path = Path.GetTempFileName();
        ResultsTable.WriteCsv(path, Rows);
        var lines = File.ReadAllLines(path);
        Assert.Equal("method,label_budget,labels,accuracy", lines[0]);
        Assert.Equal("\"MoCo v2 (frozen)\",1%,100,0.6521", lines[1]);
        Assert.Equal("\"Raw \"\"quoted\"\"\",100%,10000,0.8420", lines[4]);
    }
}
