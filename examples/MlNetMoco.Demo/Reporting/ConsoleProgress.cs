using System.Globalization;
using MlNetMoco.Core.Training;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace MlNetMoco.Demo.Reporting;

/// <summary>
/// Training progress on the console. On a terminal: a live Spectre.Console progress bar (title, bar, percentage, ETA)
/// with a status line under it (epoch/step, loss, (K+1)-way accuracy, images/s) and one line printed above it at the
/// end of every epoch; the bar stops by itself after the last epoch, freeing the console. When the output is
/// not a terminal (redirected, <c>CI</c> set): plain log lines, one per end-of-epoch report and at most one every
/// <see cref="StepLogInterval"/> for step reports. <see cref="Report"/> may be called from any thread.
/// </summary>
public sealed class ConsoleProgress : IProgress<TrainingProgress>, IDisposable
{
    private readonly string _title;
    private readonly TextWriter? _output;
    private readonly TimeProvider _clock;
    private readonly object _gate = new();
    private bool _interactive;
    private LiveBar? _live;
    private long _lastLine;
    private bool _disposed;

    /// <summary>Creates the reporter; a live bar starts with the first report.</summary>
    /// <param name="title">Names the run in the bar and at the start of every line.</param>
    /// <param name="interactive">Live bar (true) or log lines (false); null asks <see cref="Terminal.IsInteractive"/>.</param>
    /// <param name="output">Where to write; null is the process console.</param>
    /// <param name="clock">Time source of the step-line throttle; null is the system clock (tests pass their own).</param>
    public ConsoleProgress(string title, bool? interactive = null, TextWriter? output = null, TimeProvider? clock = null)
    {
        _title = title;
        _output = output;
        _clock = clock ?? TimeProvider.System;
        _interactive = interactive ?? Terminal.IsInteractive;
        _lastLine = _clock.GetTimestamp();
    }

    /// <summary>The shortest time between two step lines in log-line mode.</summary>
    public static TimeSpan StepLogInterval { get; } = TimeSpan.FromSeconds(10);

    /// <inheritdoc />
    public void Report(TrainingProgress value)
    {
        ArgumentNullException.ThrowIfNull(value);
        lock (_gate)
        {
            if (_disposed) return;
            if (_interactive && _live is null)
            {
                _live = LiveBar.TryStart(Terminal.SpectreConsole(_output), _title, Math.Max(1, (double)value.Epochs * value.StepsPerEpoch), training: true);
                if (_live is null) _interactive = false; // another live display owns the console: fall back to lines
            }
            if (_interactive && _live is { IsRunning: true } live) ReportLive(live, value);
            else ReportLines(value);
        }
    }

    /// <summary>Stops the live bar (leaving its last state on screen); further reports are ignored. Safe to call twice.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            _live?.Stop(complete: false);
        }
    }

    /// <summary>
    /// Runs a stage that reports a completed fraction in [0, 1] (feature extraction, probes): a live bar on a
    /// terminal, otherwise a start line, a percentage line at most every <see cref="StepLogInterval"/> and an end line.
    /// The fraction callback may be called from any thread.
    /// </summary>
    /// <returns>What <paramref name="work"/> returns.</returns>
    public static T Stage<T>(string name, Func<Action<double>, T> work, bool? interactive = null, TextWriter? output = null, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(work);
        clock ??= TimeProvider.System;
        long start = clock.GetTimestamp();
        if (interactive ?? Terminal.IsInteractive)
        {
            var bar = LiveBar.TryStart(Terminal.SpectreConsole(output), name, 1, training: false);
            if (bar is not null)
            {
                bool ok = false;
                try
                {
                    var result = work(f => bar.Update(Math.Clamp(f, 0, 1)));
                    ok = true;
                    return result;
                }
                finally
                {
                    bar.Stop(complete: ok);
                }
            }
        }

        var writer = output ?? Console.Out;
        var gate = new object();
        long last = start;
        lock (gate) writer.WriteLine($"{name}: started");
        var value = work(f =>
        {
            lock (gate)
            {
                if (clock.GetElapsedTime(last) < StepLogInterval) return;
                last = clock.GetTimestamp();
                writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: {100 * Math.Clamp(f, 0, 1):F0}%"));
            }
        });
        lock (gate) writer.WriteLine($"{name}: done in {FormatDuration(clock.GetElapsedTime(start), tenths: true)}");
        return value;
    }

    /// <summary>Runs a stage that returns nothing; see <see cref="Stage{T}"/>.</summary>
    public static void Stage(string name, Action<Action<double>> work, bool? interactive = null, TextWriter? output = null, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(work);
        Stage<bool>(name, report => { work(report); return true; }, interactive, output, clock);
    }

    /// <summary>The line written at the end of an epoch (both modes).</summary>
    internal string EpochLine(TrainingProgress p)
    {
        string knn = p.KnnAccuracy is { } k ? $", kNN {Percent(k)}" : "";
        string std = p.EmbeddingStd is { } s ? $", emb. std {s:F4}" : "";
        return string.Create(CultureInfo.InvariantCulture,
            $"{_title}: epoch {p.Epoch + 1}/{p.Epochs} loss {p.Loss:F4}, acc {Percent(p.ContrastiveAccuracy)}{knn}{std}, {p.ImagesPerSecond:F0} img/s, ETA {FormatDuration(p.Eta)}");
    }

    private static string Status(TrainingProgress p) => string.Create(CultureInfo.InvariantCulture,
        $"epoch {p.Epoch + 1}/{p.Epochs} step {p.Step + 1}/{p.StepsPerEpoch} loss {p.Loss:F3} acc {Percent(p.ContrastiveAccuracy)} {p.ImagesPerSecond:F0} img/s");

    private void ReportLive(LiveBar live, TrainingProgress p)
    {
        double done = (double)p.Epoch * p.StepsPerEpoch + (p.EndOfEpoch ? p.StepsPerEpoch : p.Step + 1);
        live.Update(done, Status(p), FormatDuration(p.Eta));
        if (!p.EndOfEpoch) return;
        live.WriteLine(EpochLine(p));
        if (p.Epoch + 1 >= p.Epochs)
        {
            live.Stop(complete: true); // free the console for whatever the caller prints next
            _interactive = false;
        }
    }

    private void ReportLines(TrainingProgress p)
    {
        var writer = _output ?? Console.Out;
        if (p.EndOfEpoch) writer.WriteLine(EpochLine(p));
        else if (_clock.GetElapsedTime(_lastLine) >= StepLogInterval) writer.WriteLine($"{_title}: {Status(p)} ETA {FormatDuration(p.Eta)}");
        else return;
        _lastLine = _clock.GetTimestamp();
    }

    private static string Percent(double fraction) => (100 * fraction).ToString("F1", CultureInfo.InvariantCulture) + "%";

    /// <summary>"45s" ("4.2s" with <paramref name="tenths"/>), "2m05s" or "1h02m".</summary>
    internal static string FormatDuration(TimeSpan t, bool tenths = false)
    {
        if (t < TimeSpan.Zero) t = TimeSpan.Zero;
        if (t.TotalHours >= 1) return $"{(int)t.TotalHours}h{t.Minutes:D2}m";
        if (t.TotalMinutes >= 1) return $"{t.Minutes}m{t.Seconds:D2}s";
        return (tenths ? t.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture) : Math.Round(t.TotalSeconds).ToString(CultureInfo.InvariantCulture)) + "s";
    }

    /// <summary>
    /// A Spectre progress display with one task, run on its own thread until stopped: title, bar, percentage and
    /// either an ETA with a status line under the bar (training) or the elapsed time (stages).
    /// </summary>
    private sealed class LiveBar
    {
        private readonly ManualResetEventSlim _ready = new();
        private readonly ManualResetEventSlim _done = new();
        private readonly IAnsiConsole _console;
        private readonly double _max;
        private Thread? _thread;
        private ProgressTask? _task;
        private volatile string _status = "";
        private volatile string _eta = "";

        private LiveBar(IAnsiConsole console, double max)
        {
            _console = console;
            _max = max;
        }

        public bool IsRunning => _thread is not null && !_done.IsSet;

        /// <summary>Starts the display; null when it cannot start (another live display is running).</summary>
        public static LiveBar? TryStart(IAnsiConsole console, string title, double max, bool training)
        {
            var bar = new LiveBar(console, max);
            var columns = new List<ProgressColumn> { new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn { Width = 24 }, new PercentageColumn() };
            columns.Add(training ? new EtaColumn(bar) : new ElapsedTimeColumn());
            var progress = console.Progress().AutoClear(false).HideCompleted(false).Columns(columns.ToArray());
            if (training)
                progress.UseRenderHook((renderable, _) => bar._status.Length == 0
                    ? renderable
                    : new Rows(renderable, new Text("  " + bar._status, new Style(Color.Grey))));
            bar._thread = new Thread(() =>
            {
                try
                {
                    progress.Start(ctx =>
                    {
                        bar._task = ctx.AddTask(Markup.Escape(title), autoStart: true, maxValue: max);
                        bar._ready.Set();
                        bar._done.Wait();
                    });
                }
                catch (InvalidOperationException)
                {
                    // Another interactive display is running; the caller falls back to plain lines.
                }
                finally
                {
                    bar._ready.Set();
                }
            }) { IsBackground = true, Name = "ConsoleProgress" };
            bar._thread.Start();
            bar._ready.Wait();
            if (bar._task is not null) return bar;
            bar._thread.Join();
            return null;
        }

        public void Update(double value, string status = "", string eta = "")
        {
            _status = status;
            _eta = eta;
            if (_task is { } task) task.Value = Math.Min(value, _max);
        }

        public void WriteLine(string line) => _console.WriteLine(line);

        public void Stop(bool complete)
        {
            if (_done.IsSet) return;
            if (complete && _task is { } task) task.Value = _max;
            _done.Set();
            _thread?.Join();
        }

        private sealed class EtaColumn(LiveBar bar) : ProgressColumn
        {
            protected override bool NoWrap => true;

            public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
                new Text(bar._eta.Length == 0 ? "" : "ETA " + bar._eta, new Style(Color.Blue));
        }
    }
}
