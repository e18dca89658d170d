using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Data;
using MlNetMoco.Onnx;

namespace MlNetMoco.Benchmarks;

/// <summary>
/// Transform throughput of the TorchSharp path (MoCoTransformer) against the ONNX Runtime paths: the OnnxTransformer
/// that <c>mlContext.Model.Save/Load</c> puts in its place (one row per run), the batched <see cref="OnnxFeatureScorer"/>
/// over the exported file (flat pixels and the IDataView column), and a bare session with BatchNorm folded or not.
/// </summary>
internal sealed class OnnxTransformBenchmark : IBenchmark
{
    private const int FitRows = 512;
    private const int OrtBatch = 64;

    public string Name => "onnx";

    public string Description => "Transform rows/s: TorchSharp MoCoTransformer vs ONNX Runtime (OnnxTransformer after Model.Save/Load, batched OnnxFeatureScorer, bare sessions)";

    public IEnumerable<BenchmarkCase> Cases(BenchmarkSettings settings)
    {
        yield return Case("smallconvnet-1x28x28", "SmallConvNet", new BackboneSpec(BackboneKind.SmallConvNet, 1), new ImageShape(1, 28, 28), 2000);
        yield return Case("resnet18-small-3x32x32", "ResNet-18 small stem", new BackboneSpec(BackboneKind.ResNet18, 3, SmallImageStem: true), new ImageShape(3, 32, 32), 256);
    }

    private BenchmarkCase Case(string id, string name, BackboneSpec backbone, ImageShape shape, int rows) =>
        new($"{Name}/{id}", string.Create(CultureInfo.InvariantCulture, $"{name} {shape}: {rows} rows"),
            (settings, context) => Run(backbone, shape, rows, settings, context));

    private static IReadOnlyList<ResultRow> Run(BackboneSpec backbone, ImageShape shape, int rows, BenchmarkSettings settings, CaseContext context)
    {
        var ml = new MLContext(seed: 0);
        var pixelRows = RandomImages.PixelRows(shape, Math.Max(rows, FitRows));
        var view = ml.Data.TakeRows(PixelDataView.Create(ml, pixelRows, shape), rows);
        var options = new MoCoOptions
        {
            InputColumnName = PixelDataView.PixelColumn, OutputColumnName = "Features",
            ImageChannels = shape.Channels, ImageHeight = shape.Height, ImageWidth = shape.Width,
            Backbone = backbone.Kind, SmallImageStem = backbone.SmallImageStem,
            Epochs = 1, BatchSize = 128, QueueSize = FitRows, Device = "cpu", Seed = 0, Log = context.Log,
        };
        context.Log($"fitting on {FitRows} rows (1 epoch)");
        using var moco = ml.Transforms.PretrainMoCo(options).Fit(PixelDataView.Create(ml, pixelRows.Take(FitRows).ToList(), shape));

        string dir = Directory.CreateTempSubdirectory("mlnetmoco-onnx-bench").FullName;
        try
        {
            string zip = Path.Combine(dir, "model.zip");
            ml.Model.Save(moco, view.Schema, zip);
            var loaded = ml.Model.Load(zip, out _);
            string folded = Path.Combine(dir, "folded.onnx"), unfolded = Path.Combine(dir, "unfolded.onnx");
            moco.ExportOnnx(folded, foldBatchNorm: true);
            moco.ExportOnnx(unfolded, foldBatchNorm: false);
            using var foldedSession = new InferenceSession(folded);
            using var unfoldedSession = new InferenceSession(unfolded);
            using var scorer = new OnnxFeatureScorer(folded, OnnxFeatureScorer.DefaultBatchSize);
            var flat = pixelRows.Take(rows).SelectMany(r => r).ToArray();

            void Ort(InferenceSession session)
            {
                for (int start = 0; start < rows; start += OrtBatch)
                {
                    int n = Math.Min(OrtBatch, rows - start);
                    var input = new DenseTensor<float>(flat.AsMemory(start * shape.Size, n * shape.Size), new[] { n, shape.Size });
                    using var result = session.Run(new[] { NamedOnnxValue.CreateFromTensor(PixelDataView.PixelColumn, input) });
                }
            }

            context.Log("TorchSharp transform, ONNX transform, OnnxFeatureScorer (flat, column), ORT folded, ORT unfolded (round-robin)");
            var timings = Harness.MeasureInterleaved(new Action[]
            {
                () => PixelDataView.Scan(moco.Transform(view), "Features"),
                () => PixelDataView.Scan(loaded.Transform(view), "Features"),
                () => scorer.Score(flat),
                () => Drain(scorer.ScoreColumn(view)),
                () => Ort(foldedSession),
                () => Ort(unfoldedSession),
            }, settings.PassRepeats);
            context.CapturePeak();
            double torch = timings[0].Rate(rows);
            return new[]
            {
                new ResultRow("TorchSharp: MoCoTransformer.Transform + read Features (batch 64)", torch, "rows/s", "TorchSharp", torch, timings[0].Describe()),
                new ResultRow("ONNX Runtime: OnnxTransformer after Model.Save/Load (one row per run)", timings[1].Rate(rows), "rows/s", "TorchSharp", torch, timings[1].Describe()),
                new ResultRow($"OnnxFeatureScorer.Score(float[] pixels), batch {scorer.BatchSize}", timings[2].Rate(rows), "rows/s", "TorchSharp", torch, timings[2].Describe()),
                new ResultRow($"OnnxFeatureScorer.ScoreColumn(IDataView), batch {scorer.BatchSize}", timings[3].Rate(rows), "rows/s", "TorchSharp", torch, timings[3].Describe()),
                new ResultRow($"ONNX Runtime session, BatchNorm folded, batch {OrtBatch}", timings[4].Rate(rows), "rows/s", "TorchSharp", torch, timings[4].Describe()),
                new ResultRow($"ONNX Runtime session, BatchNormalization nodes, batch {OrtBatch}", timings[5].Rate(rows), "rows/s", "TorchSharp", torch, timings[5].Describe()),
            };
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    private static void Drain(IEnumerable<float[]> features)
    {
        foreach (var _ in features) { }
    }
}
