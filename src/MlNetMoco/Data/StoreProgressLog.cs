using System.Diagnostics;
using System.Globalization;
using MlNetMoco.Logging;

namespace MlNetMoco.Data;

/// <summary>
/// Progress lines of the pass that stores the input images, through the adapter's log: for a pixel store on disk at
/// every 10 % of the rows (when their number is known), and for any pass at least every
/// <see cref="IntervalSeconds"/> seconds.
/// </summary>
internal sealed class StoreProgressLog
{
    /// <summary>Longest time between two progress lines.</summary>
    public const double IntervalSeconds = 30;

    private readonly MoCoLog _log;
    private readonly long? _expectedRows;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _nextStep;
    private double _nextTime = IntervalSeconds;
    private bool _everyTenth;

    public StoreProgressLog(MoCoLog log, long? expectedRows)
    {
        _log = log;
        _expectedRows = expectedRows;
    }

    /// <summary>Time since the pass started.</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>Turns on the lines at every 10 % (the images go to disk: a long pass).</summary>
    public void EveryTenth()
    {
        if (_everyTenth || _expectedRows is not long expected || expected <= 0) return;
        _everyTenth = true;
        _nextStep = Math.Max(1, expected / 10);
    }

    /// <summary>Called after each row with the rows done, the rows skipped and where the images go.</summary>
    public void RowDone(long rows, long skipped, string destination)
    {
        bool step = _everyTenth && rows >= _nextStep && rows < _expectedRows;
        if (!step && (rows & 63) != 0) return; // the clock is read every 64 rows at most
        double seconds = _clock.Elapsed.TotalSeconds;
        if (!step && seconds < _nextTime) return;
        if (step) _nextStep += Math.Max(1, _expectedRows!.Value / 10);
        _nextTime = seconds + IntervalSeconds;
        string of = _expectedRows is long expected ? string.Create(CultureInfo.InvariantCulture, $" of {expected:N0} ({100.0 * rows / expected:0}%)") : "";
        _log.Info(string.Create(CultureInfo.InvariantCulture,
            $"Storing images {destination}: {rows:N0} rows{of}, {skipped:N0} skipped, {rows / Math.Max(seconds, 1e-9):N0} rows/s."));
    }
}
