using System.Diagnostics;
using System.Globalization;
using MlNetMoco.Core.Training;

namespace MlNetMoco.Benchmarks;

/// <summary>
/// Receives the pretraining loop's progress reports synchronously (unlike <see cref="Progress{T}"/>, which posts them)
/// and stamps each with the time it arrived, so step durations can be read from the reports.
/// </summary>
internal sealed class ProgressRecorder : IProgress<TrainingProgress>
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<(double Seconds, TrainingProgress Report)> _reports = [];
    private readonly Action<string>? _log;

    public ProgressRecorder(Action<string>? log = null) => _log = log;

    /// <inheritdoc />
    public void Report(TrainingProgress value)
    {
        _reports.Add((_clock.Elapsed.TotalSeconds, value));
        if (value.EndOfEpoch)
            _log?.Invoke(string.Create(CultureInfo.InvariantCulture,
                $"epoch {value.Epoch + 1}/{value.Epochs}: loss {value.Loss:0.000}, (K+1)-way accuracy {value.ContrastiveAccuracy:0.000}, {value.ImagesPerSecond:0.0} img/s (reported)"));
    }

    /// <summary>
    /// Duration of each step of the epochs from <paramref name="firstEpoch"/> on: the time between its report and the
    /// report before it (for an epoch's first step, the previous epoch's closing report), so the wait for the batch
    /// producer is included.
    /// </summary>
    public IReadOnlyList<double> StepSeconds(int firstEpoch)
    {
        var durations = new List<double>();
        for (int i = 1; i < _reports.Count; i++)
        {
            var (seconds, report) = _reports[i];
            if (!report.EndOfEpoch && report.Epoch >= firstEpoch)
                durations.Add(seconds - _reports[i - 1].Seconds);
        }
        return durations;
    }

    /// <summary>The loop's own images/s (<see cref="TrainingProgress.ImagesPerSecond"/> of the closing reports) averaged over the epochs from <paramref name="firstEpoch"/> on.</summary>
    public double ReportedImagesPerSecond(int firstEpoch)
    {
        var values = _reports.Where(r => r.Report.EndOfEpoch && r.Report.Epoch >= firstEpoch).Select(r => r.Report.ImagesPerSecond).ToList();
        return values.Count == 0 ? double.NaN : values.Average();
    }
}
