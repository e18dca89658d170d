using System.Diagnostics;
using MlNetMoco.Core.Training;

namespace MlNetMoco.Demo.Reporting;

/// <summary>
/// Training progress on the console: a live status line (epoch, step, loss, images/s, ETA) rewritten in place when
/// the output is a terminal, plain log lines (one per epoch, and a step line at most every 10 s) when it is not (CI).
/// </summary>
public sealed class ConsoleProgress : IProgress<TrainingProgress>, IDisposable
{
    private readonly string _title;
    private readonly bool _interactive;
    private readonly TextWriter _out;
    private readonly Stopwatch _sinceLine = Stopwatch.StartNew();
    private readonly object _gate = new();
    private bool _lineOpen;
    private bool _disposed;

    /// <summary>Creates the reporter.</summary>
    /// <param name="title">Shown before each line.</param>
    /// <param name="interactive">Live line or log lines; null decides from the console (redirected output or CI=true → log lines).</param>
    /// <param name="output">Where to write; null is the console.</param>
    public ConsoleProgress(string title, bool? interactive = null, TextWriter? output = null)
    {
        _title = title;
        _out = output ?? Console.Out;
        _interactive = interactive ?? (!Console.IsOutputRedirected && Environment.GetEnvironmentVariable("CI") is null or "" or "false");
    }

    /// <inheritdoc />
    public void Report(TrainingProgress p)
    {
        lock (_gate)
        {
            if (_disposed) return;
            if (p.EndOfEpoch)
            {
                CloseLine();
                string knn = p.KnnAccuracy is { } k ? $", kNN {k:P1}" : "";
                string std = p.EmbeddingStd is { } s ? $", emb. std {s:F3}" : "";
                _out.WriteLine($"{_title}: epoch {p.Epoch + 1}/{p.Epochs} loss {p.Loss:F3}, acc {p.ContrastiveAccuracy:P1}{knn}{std}, {p.ImagesPerSecond:F0} img/s, ETA {Format(p.Eta)}");
                return;
            }
            string line = $"{_title}: epoch {p.Epoch + 1}/{p.Epochs} step {p.Step + 1}/{p.StepsPerEpoch} loss {p.Loss:F3} lr {p.LearningRate:G3} {p.ImagesPerSecond:F0} img/s ETA {Format(p.Eta)}";
            if (_interactive)
            {
                int width = Math.Max(20, SafeWidth() - 1);
                _out.Write("\r" + (line.Length > width ? line[..width] : line.PadRight(width)));
                _lineOpen = true;
            }
            else if (_sinceLine.Elapsed.TotalSeconds >= 10)
            {
                _out.WriteLine(line);
                _sinceLine.Restart();
            }
        }
    }

    /// <summary>Ends the live line.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            CloseLine();
            _disposed = true;
        }
    }

    private void CloseLine()
    {
        if (!_lineOpen) return;
        _out.WriteLine();
        _lineOpen = false;
    }

    private static int SafeWidth()
    {
        try { return Console.WindowWidth > 0 ? Console.WindowWidth : 120; }
        catch (IOException) { return 120; }
    }

    private static string Format(TimeSpan t) => t.TotalHours >= 1 ? $"{(int)t.TotalHours}h{t.Minutes:D2}m" : $"{t.Minutes}m{t.Seconds:D2}s";
}
