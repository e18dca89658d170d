using System.Globalization;
using Microsoft.ML;
using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Data;
using MlNetMoco.Core.Heads;
using MlNetMoco.Core.Inference;
using MlNetMoco.Core.Methods;

namespace MlNetMoco.Benchmarks;

/// <summary>
/// Throughput of the ML.NET transformer's Transform path (<c>mlContext.Transforms.PretrainMoCo(options)</c> fitted
/// with one tiny epoch, then <c>Transform</c> + reading every row's Features) against <see cref="TrainedEncoder.Extract"/>
/// on the same rows (bare inference) in big batches and at the same batch size as the Transform, and the bare
/// forward+backward for scale.
/// </summary>
internal sealed class TransformBenchmark : IBenchmark
{
    private const int Rows = 5000;
    private const int FitRows = 512;
    private const int ExtractBatch = 512;
    private const string FeaturesColumn = "Features";

    /// <inheritdoc />
    public string Name => "transform";

    /// <inheritdoc />
    public string Description => $"MoCoTransformer Transform + reading Features over {Rows} rows (rows/s), vs TrainedEncoder.Extract";

    /// <inheritdoc />
    public IEnumerable<BenchmarkCase> Cases(BenchmarkSettings settings)
    {
        yield return Case("smallconvnet-1x28x28", "SmallConvNet", new BackboneSpec(BackboneKind.SmallConvNet, 1), new ImageShape(1, 28, 28));
        // A ResNet over 5k rows takes minutes on a small CPU; on a GPU it is the typical case.
        if (settings.IsCuda)
            yield return Case("resnet18-small-3x32x32", "ResNet-18 small stem", new BackboneSpec(BackboneKind.ResNet18, 3, SmallImageStem: true), new ImageShape(3, 32, 32));
    }

    private BenchmarkCase Case(string id, string name, BackboneSpec backbone, ImageShape shape) =>
        new($"{Name}/{id}",
            string.Create(CultureInfo.InvariantCulture, $"{name} {shape}: fit 1 epoch on {FitRows} rows, transform {Rows} rows"),
            (settings, context) => Run(backbone, shape, settings, context));

    private static IReadOnlyList<ResultRow> Run(BackboneSpec backbone, ImageShape shape, BenchmarkSettings settings, CaseContext context)
    {
        var mlContext = new MLContext(seed: 0);
        var pixelRows = RandomImages.PixelRows(shape, Rows);
        var view = PixelDataView.Create(mlContext, pixelRows, shape);
        var options = new MoCoOptions
        {
            InputColumnName = PixelDataView.PixelColumn,
            OutputColumnName = FeaturesColumn,
            ImageChannels = shape.Channels,
            ImageHeight = shape.Height,
            ImageWidth = shape.Width,
            Backbone = backbone.Kind,
            SmallImageStem = backbone.SmallImageStem,
            Epochs = 1,
            BatchSize = 256,
            QueueSize = FitRows,
            Device = settings.DeviceRequest,
            Seed = 0,
            Log = context.Log,
        };
        context.Log($"fitting on {FitRows} rows (1 epoch)");
        using var transformer = mlContext.Transforms.PretrainMoCo(options).Fit(mlContext.Data.TakeRows(view, FitRows));

        var repeats = settings.PassRepeats;
        int defaultBatch = new MoCoOptions().TransformBatchSize;
        int[] batchSizes = new[] { defaultBatch, ExtractBatch }.Distinct().ToArray();

        // Bare inference: the same architecture and normalisation, pixels already in [0, 1] in one array, no IDataView.
        // Each Transform batch size is timed round-robin with Extract at the same batch size, so that load changes on a
        // shared machine hit both sides of each ratio alike.
        var pixels01 = RandomImages.Concatenate01(pixelRows);
        using var encoder = TrainedEncoder.Create(
            new EncoderDescription(backbone with { BatchNormSplits = 1 },
                HeadSpec.ForVersion(MoCoVersion.V2, BackboneFactory.FeatureDimOf(backbone), options.ProjectionDim), shape, transformer.Normalization),
            settings.Device);
        var features = new float[batchSizes.Max() * encoder.FeatureDim];
        var actions = new List<Action>();
        foreach (int batchSize in batchSizes)
        {
            actions.Add(() =>
            {
                transformer.TransformBatchSize = batchSize;
                var (rows, _) = PixelDataView.Scan(transformer.Transform(view), FeaturesColumn);
                if (rows != Rows) throw new InvalidOperationException($"Transform gave {rows} rows, expected {Rows}.");
            });
            actions.Add(() =>
            {
                for (int start = 0; start < Rows; start += batchSize)
                {
                    int n = Math.Min(batchSize, Rows - start);
                    encoder.Extract(pixels01.AsSpan(start * shape.Size, n * shape.Size), n, features);
                }
            });
        }
        context.Log($"Transform + reading {FeaturesColumn} and TrainedEncoder.Extract, batch sizes {string.Join(", ", batchSizes)}, round-robin");
        var timings = Harness.MeasureInterleaved(actions, repeats, settings.Device);
        var transformTimings = batchSizes.Select((b, i) => (BatchSize: b, Timing: timings[2 * i])).ToList();
        var extractTimings = batchSizes.Select((b, i) => (BatchSize: b, Timing: timings[2 * i + 1])).ToDictionary(t => t.BatchSize, t => t.Timing);

        context.Log("source scan alone");
        var scan = Harness.Measure(() => PixelDataView.Scan(view, PixelDataView.PixelColumn), repeats);
        context.CapturePeak();

        context.Log("bare forward+backward");
        Timing forwardBackward;
        const int trainBatch = 256;
        using (var cost = new EncoderCost(backbone with { BatchNormSplits = options.BatchNormSplits }, shape, trainBatch, settings.Device, options.ProjectionDim))
            forwardBackward = cost.MeasureForwardBackward(settings.Repeats);

        const string unit = "rows/s";
        double bareTraining = forwardBackward.Rate(trainBatch);
        var result = new List<ResultRow>();
        foreach (var (batchSize, timing) in transformTimings)
            result.Add(new ResultRow($"Transform + read {FeaturesColumn}, TransformBatchSize {batchSize}{(batchSize == defaultBatch ? " (default)" : "")}",
                timing.Rate(Rows), unit, $"Extract b{batchSize}", extractTimings[batchSize].Rate(Rows), timing.Describe()));
        result.Add(new ResultRow($"source IDataView scan alone ({PixelDataView.PixelColumn})", scan.Rate(Rows), unit,
            $"Extract b{ExtractBatch}", extractTimings[ExtractBatch].Rate(Rows), scan.Describe()));
        foreach (var (batchSize, timing) in extractTimings.OrderByDescending(e => e.Key))
            result.Add(new ResultRow($"bare TrainedEncoder.Extract, batches of {batchSize}", timing.Rate(Rows), unit, "fwd+bwd", bareTraining,
                $"{timing.Describe()}; pixels already in [0, 1]"));
        result.Add(new ResultRow($"bare fwd+bwd (train mode, v2 head), batch {trainBatch}", bareTraining, "img/s", "fwd+bwd", bareTraining, forwardBackward.Describe()));
        return result;
    }
}
