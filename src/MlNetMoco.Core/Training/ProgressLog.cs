using System.Diagnostics;
using System.Globalization;

namespace MlNetMoco.Core.Training;

/// <summary>
/// Progress lines for the log during an epoch: at most one every <c>intervalSeconds</c> (epoch, step, loss, the
/// method's accuracy, images/s, ETA), so a long epoch shows life between its summary lines. 0 writes none.
/// </summary>
internal sealed class ProgressLog
{
    private readonly double _intervalSeconds;
    private readonly Action<string> _log;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private double _last;

    public ProgressLog(double intervalSeconds, Action<string> log)
    {
        _intervalSeconds = intervalSeconds;
        _log = log;
    }

    /// <summary>Writes a line for <paramref name="progress"/> when the interval has passed since the last one (or the start).</summary>
    public void Step(TrainingProgress progress)
    {
        if (_intervalSeconds <= 0) return;
        double now = _clock.Elapsed.TotalSeconds;
        if (now - _last < _intervalSeconds) return;
        _last = now;
        _log(Line(progress));
    }

    /// <summary>"Progress: epoch 3/20, step 120/468: loss 6.1234, accuracy 45.2%, 1,650 images/s, ETA 00:12:34."</summary>
    public static string Line(TrainingProgress p)
    {
        var line = new System.Text.StringBuilder(string.Create(CultureInfo.InvariantCulture,
            $"Progress: epoch {p.Epoch + 1}/{p.Epochs}, step {p.Step + 1}/{p.StepsPerEpoch}: loss {p.Loss:F4}"));
        if (double.IsFinite(p.ContrastiveAccuracy)) line.Append(CultureInfo.InvariantCulture, $", accuracy {100 * p.ContrastiveAccuracy:F1}%");
        line.Append(CultureInfo.InvariantCulture, $", {p.ImagesPerSecond:N0} images/s, ETA {p.Eta:hh\\:mm\\:ss}.");
        return line.ToString();
    }
}
