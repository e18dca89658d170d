using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Data;
using MlNetMoco.Core.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Benchmarks;

/// <summary>
/// The IDataView → tensor bridge alone: reading a pixel column of an IDataView into an <see cref="InMemoryImageDataset"/>
/// and producing batches with <see cref="BatchProducer.Batches"/> as tensors on the device, beside the bare
/// SmallConvNet forward+backward for scale.
/// </summary>
/// <remarks>
/// The adapter's own reader (MlNetMoco.Data.DataViewImageReader) is internal, so it is measured two ways: (1) the same
/// work written against the public APIs (an ML.NET cursor, scaling to [0, 1], <see cref="InMemoryImageDataset.Add"/>),
/// and (2) the real reader inside <c>MoCoEstimator.Fit</c>, timed from the call to the estimator's
/// "read N images" log message, after which the fit is cancelled. When that message is not seen (the estimator's
/// wording changed) the second figure is reported as n/a.
/// </remarks>
internal sealed partial class BridgeBenchmark : IBenchmark
{
    private const int BatchSize = 256;
    private static readonly ImageShape Shape = new(1, 28, 28);

    /// <inheritdoc />
    public string Name => "bridge";

    /// <inheritdoc />
    public string Description => "IDataView pixel column -> InMemoryImageDataset -> BatchProducer batches -> device tensors (img/s)";

    /// <inheritdoc />
    public IEnumerable<BenchmarkCase> Cases(BenchmarkSettings settings)
    {
        int rows = Rows(settings);
        yield return new BenchmarkCase($"{Name}/1x28x28",
            string.Create(CultureInfo.InvariantCulture, $"{rows} rows of {Shape}, batches of {BatchSize}"),
            (s, context) => Run(s, context));
    }

    private static int Rows(BenchmarkSettings settings) => settings.Quick ? 10_000 : 60_000;

    [GeneratedRegex(@"read (\d+) images")]
    private static partial Regex ReadMessage();

    private static IReadOnlyList<ResultRow> Run(BenchmarkSettings settings, CaseContext context)
    {
        int rows = Rows(settings);
        var device = settings.Device;
        var repeats = settings.PassRepeats;
        var mlContext = new MLContext(seed: 0);
        var view = PixelDataView.Create(mlContext, RandomImages.PixelRows(Shape, rows), Shape);

        context.Log("source scan alone");
        var scan = Harness.Measure(() => PixelDataView.Scan(view, PixelDataView.PixelColumn), repeats);

        context.Log("IDataView -> InMemoryImageDataset (public API)");
        InMemoryImageDataset? dataset = null;
        var read = Harness.Measure(() => dataset = ReadColumn(view, Shape, rows), repeats);

        context.Log("reader inside MoCoEstimator.Fit (until its 'read N images' message)");
        var fitRead = ReadInsideFit(mlContext, view, rows, settings, repeats);

        context.Log("BatchProducer.Batches -> tensors on the device, one epoch");
        var order = Enumerable.Range(0, rows).ToArray();
        new Random(0).Shuffle(order);
        int imagesPerEpoch = rows / BatchSize * BatchSize;
        var batches = Harness.Measure(() =>
        {
            foreach (var batch in BatchProducer.Batches(dataset!, order, BatchSize))
            {
                using var scope = NewDisposeScope();
                tensor(batch, new long[] { BatchSize, Shape.Channels, Shape.Height, Shape.Width }).to(device);
            }
        }, repeats, device);
        context.CapturePeak();

        context.Log("bare SmallConvNet forward+backward");
        Timing forwardBackward;
        using (var cost = new EncoderCost(new BackboneSpec(BackboneKind.SmallConvNet, 1, BatchNormSplits: 8), Shape, BatchSize, device))
            forwardBackward = cost.MeasureForwardBackward(settings.Repeats);
        double bare = forwardBackward.Rate(BatchSize);

        const string unit = "img/s", reference = "SmallConvNet fwd+bwd";
        double readRate = read.Rate(rows), batchRate = batches.Rate(imagesPerEpoch);
        return
        [
            new ResultRow("source IDataView scan alone (Pixels)", scan.Rate(rows), unit, reference, bare, scan.Describe()),
            new ResultRow("read column -> InMemoryImageDataset (public API)", readRate, unit, reference, bare, read.Describe()),
            new ResultRow("read column inside MoCoEstimator.Fit (adapter's reader)", fitRead?.Rate(rows) ?? double.NaN, unit, reference, bare,
                fitRead?.Describe() ?? "n/a: the estimator's 'read N images' message was not seen"),
            new ResultRow($"BatchProducer.Batches -> {device.type.ToString().ToLowerInvariant()} tensors, 1 epoch", batchRate, unit, reference, bare, batches.Describe()),
            new ResultRow("bridge total: read + 1 epoch of batches", 1 / (1 / readRate + 1 / batchRate), unit, reference, bare, "per-image times of the two rows above added"),
            new ResultRow($"bare SmallConvNet fwd+bwd (train mode, v2 head), batch {BatchSize}", bare, unit, reference, bare, forwardBackward.Describe()),
        ];
    }

    // The bridge's work through public APIs: cursor over the vector column, scale [0, 255] -> [0, 1], store.
    private static InMemoryImageDataset ReadColumn(IDataView view, ImageShape shape, int expectedRows)
    {
        var column = view.Schema[PixelDataView.PixelColumn];
        var dataset = new InMemoryImageDataset(shape, expectedRows);
        var pixels = new float[shape.Size];
        VBuffer<float> buffer = default;
        using var cursor = view.GetRowCursor([column]);
        var getter = cursor.GetGetter<VBuffer<float>>(column);
        while (cursor.MoveNext())
        {
            getter(ref buffer);
            buffer.CopyTo(pixels);
            for (int i = 0; i < pixels.Length; i++) pixels[i] *= 1f / 255f;
            dataset.Add(pixels);
        }
        return dataset;
    }

    // The adapter's reader, timed inside Fit from the call to the "read N images" message; the fit is then cancelled.
    private static Timing? ReadInsideFit(MLContext mlContext, IDataView view, int rows, BenchmarkSettings settings, Repetitions repeats)
    {
        var samples = new List<double>();
        var budget = Stopwatch.StartNew();
        for (int run = 0; run < repeats.Warmup + repeats.Iterations; run++)
        {
            using var cancel = new CancellationTokenSource();
            double? seconds = null;
            long start = 0;
            var options = new MoCoOptions
            {
                InputColumnName = PixelDataView.PixelColumn,
                ImageChannels = Shape.Channels,
                ImageHeight = Shape.Height,
                ImageWidth = Shape.Width,
                Backbone = BackboneKind.SmallConvNet,
                Epochs = 1,
                BatchSize = BatchSize,
                QueueSize = BatchSize,
                Device = settings.DeviceRequest,
                CancellationToken = cancel.Token,
                Log = message =>
                {
                    var match = ReadMessage().Match(message);
                    if (seconds is null && match.Success && match.Groups[1].Value == rows.ToString(CultureInfo.InvariantCulture))
                    {
                        seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
                        cancel.Cancel();
                    }
                },
            };
            var estimator = mlContext.Transforms.PretrainMoCo(options);
            start = Stopwatch.GetTimestamp();
            try
            {
                estimator.Fit(view).Dispose();
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
            }
            if (seconds is null) return null;
            if (run >= repeats.Warmup) samples.Add(seconds.Value);
            if (samples.Count >= Harness.MinimumSamples && budget.Elapsed.TotalSeconds > repeats.BudgetSeconds) break;
        }
        return new Timing(samples);
    }
}
