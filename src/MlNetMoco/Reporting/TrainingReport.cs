using System.Globalization;
using Microsoft.ML;
using MlNetMoco.Core.Training;
using MlNetMoco.Logging;
using MlNetMoco.Schema;
using TorchSharp;

namespace MlNetMoco.Reporting;

/// <summary>
/// The training report of one Fit: its labelled rows (<see cref="ReportData"/>), its epoch evaluator
/// (<see cref="LinearProbeEvaluator"/>, with the k-NN monitor on the same features unless <see cref="MoCoOptions.KnnMonitor"/> is set),
/// the raw-pixel baseline logged before training and the <see cref="MoCoReport"/> after it.
/// </summary>
internal sealed class TrainingReport
{
    private readonly ReportData _data;
    private readonly LinearProbeEvaluator _probe;
    private readonly MoCoLog _log;

    private TrainingReport(ReportData data, MoCoOptions options, MoCoLog log)
    {
        _data = data;
        _log = log;
        // The k-NN monitor runs on the probe's features (one pass of the encoder), unless MoCoOptions.KnnMonitor has its own.
        _probe = new LinearProbeEvaluator(data.Data, new LinearProbe(seed: options.Seed),
            options.KnnMonitor is null ? options.KnnNeighbors : null, options.KnnTemperature);
        Evaluators = [_probe];
    }

    /// <summary>The evaluators to append to the run's.</summary>
    public IReadOnlyList<IEpochEvaluator> Evaluators { get; }

    /// <summary>
    /// Checks the report's schemas (<see cref="ReportData.CheckSchemas"/>) when <see cref="MoCoOptions.LabelColumnName"/>
    /// is set; returns a function that reads the rows later (after the schema checks of everything else), or null
    /// when there is no report.
    /// </summary>
    public static Func<CancellationToken, TrainingReport>? Prepare(IDataView input, InputBinding binding, MoCoOptions options, MoCoLog log)
    {
        options.ValidateReport();
        if (options.LabelColumnName is null) return null;
        bool inputHasLabels = ReportData.CheckSchemas(input.Schema, binding, options);
        return token =>
        {
            var data = ReportData.Read(input, inputHasLabels, binding, options, log, token);
            log.Info($"Training report: {data.Describe()} (MoCoOptions.LabelColumnName '{options.LabelColumnName}').");
            return new TrainingReport(data, options, log);
        };
    }

    /// <summary>Measures and logs the raw-pixel baseline on <paramref name="device"/> (before training).</summary>
    public void Start(string device)
    {
        double raw = _probe.RawPixelAccuracy(Core.Devices.DeviceSelector.Resolve(device));
        _log.Info(string.Create(CultureInfo.InvariantCulture,
            $"Training report: linear probe on raw pixels {100 * raw:F1}% on the {_data.Data.Test.Count:N0} held-out rows; each epoch adds the k-NN monitor and the same probe on the encoder's features."));
    }

    /// <summary>The report of the run (logged).</summary>
    public MoCoReport Finish(IReadOnlyList<TrainingProgress> history)
    {
        var report = MoCoReport.From(history, _probe.RawPixelAccuracy(torch.CPU), _data.Data, _data.HeldOutSource);
        _log.Info(report.ToString());
        return report;
    }
}
