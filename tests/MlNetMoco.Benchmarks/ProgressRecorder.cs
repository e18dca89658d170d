using System.Diagnostics;
using System.Globalization;
using MlNetMoco.Core.Training;

namespace MlNetMoco.Benchmarks;

/// <summary>
/// Receives the pretraining loop's progress reports synchronously (unlike <see cref="Progress{T}"/>, which posts them),
/// stamps each with the time it arrived and the time its handling ended, and runs an optional hook in between (the
/// paired bare measurement), whose time is excluded from the loop's step durations.
/// </summary>
internal sealed class ProgressRecorder : IProgress<TrainingProgress>
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<(double Arrived, double Left, TrainingProgress Report)> _reports = [];
    private readonly Action<string>? _log;
    private readonly Action<TrainingProgress>? _hook;

    /// <param name="log">Receives a line per epoch.</param>
    /// <param name="hook">Runs on the training thread after each report, between two steps; its time is not counted as the loop's.</param>
    public ProgressRecorder(Action<string>? log = null, Action<TrainingProgress>? hook = null)
    {
        _log = log;
        _hook = hook;
    }

    /// <inheritdoc />
    public void Report(TrainingProgress value)
    {
        double arrived = _clock.Elapsed.TotalSeconds;
        if (value.EndOfEpoch)
            _log?.Invoke(string.Create(CultureInfo.InvariantCulture,
                $"epoch {value.Epoch + 1}/{value.Epochs}: loss {value.Loss:0.000}, (K+1)-way accuracy {value.ContrastiveAccuracy:0.000}, {value.ImagesPerSecond:0.0} img/s (reported)"));
        _hook?.Invoke(value);
        _reports.Add((arrived, _clock.Elapsed.TotalSeconds, value));
    }

    /// <summary>
    /// Duration of each step of the epochs from <paramref name="firstEpoch"/> on: from the end of the previous report's
    /// handling (for an epoch's first step, the previous epoch's closing report) to this step's report, so the wait
    /// for the batch producer is included and the hook's time is not.
    /// </summary>
    public IReadOnlyList<double> StepSeconds(int firstEpoch)
    {
        var durations = new List<double>();
        for (int i = 1; i < _reports.Count; i++)
        {
            var (arrived, _, report) = _reports[i];
            if (!report.EndOfEpoch && report.Epoch >= firstEpoch)
                durations.Add(arrived - _reports[i - 1].Left);
        }
        return durations;
    }

    /// <summary>The loop's own images/s of <paramref name="epoch"/> (<see cref="TrainingProgress.ImagesPerSecond"/> of its closing report).</summary>
    /// <remarks>Once a hook runs between the steps of an epoch, that epoch's figure includes the hook's time (the loop's clock runs through it).</remarks>
    public double ReportedImagesPerSecond(int epoch) =>
        _reports.Where(r => r.Report.EndOfEpoch && r.Report.Epoch == epoch).Select(r => r.Report.ImagesPerSecond).DefaultIfEmpty(double.NaN).First();
}
