using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.ML;
using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Data;
using MlNetMoco.Core.Training;

namespace MlNetMoco.Benchmarks;

/// <summary>
/// Data bigger than memory: how fast images are stored (RAM, pixel store on disk, and through <c>Fit</c>'s reader),
/// how fast <see cref="BatchProducer"/> hands out batches from each store (one and several copy workers, warm and
/// cold page cache) next to a ResNet-18 training step's forward+backward, and (<see cref="LargeStoreCase"/>) the
/// resident memory while a multi-gigabyte store is built and read.
/// </summary>
internal sealed partial class PixelStoreBenchmark : IBenchmark
{
    private const int BatchSize = 256, PoolSize = 64, StepBatch = 64, FitRowsMax = 4000;

    /// <inheritdoc />
    public string Name => "pixelstore";

    /// <inheritdoc />
    public string Description => "pixel store build and BatchProducer img/s from RAM vs disk, vs a ResNet-18 step; RSS of a large store";

    /// <inheritdoc />
    public IEnumerable<BenchmarkCase> Cases(BenchmarkSettings settings)
    {
        foreach (var shape in new[] { new ImageShape(3, 32, 32), new ImageShape(3, 96, 96) })
        {
            int count = Count(shape, settings);
            yield return new BenchmarkCase($"{Name}/{shape.Channels}x{shape.Height}x{shape.Width}",
                string.Create(CultureInfo.InvariantCulture, $"{count:N0} images of {shape} ({(long)count * shape.Size / 1e6:N0} MB), batches of {BatchSize}"),
                (s, context) => Run(shape, s, context));
        }
        yield return LargeStoreCase.Create(Name, settings);
    }

    private static int Count(ImageShape shape, BenchmarkSettings settings) =>
        shape.Height <= 32 ? (settings.Quick ? 20_000 : 50_000) : (settings.Quick ? 4_000 : 16_000);

    [GeneratedRegex(@"^Stored (\d[\d,]*) images")]
    private static partial Regex StoredMessage();

    private static IReadOnlyList<ResultRow> Run(ImageShape shape, BenchmarkSettings settings, CaseContext context)
    {
        int count = Count(shape, settings);
        // Context for the RAM build: the first touch of as much fresh memory, once, before anything that large was
        // allocated (a virtual machine can take tens of microseconds per 4 KiB page fault; bare metal a fraction of one).
        var touch = TouchFreshMemory((long)count * shape.Size);
        var pool = RandomImages.PixelRows(shape, PoolSize).Select(r => r.Select(v => v / 255f).ToArray()).ToArray();
        string folder = Path.Combine(Path.GetTempPath(), $"mlnetmoco-bench-store-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        IImageDataset? ram = null;
        MappedImageDataset? disk = null;
        try
        {
            var repeats = settings.PassRepeats;
            context.Log("store build: RAM and a pixel store on disk (written, fsync'ed, renamed, mapped), interleaved");
            string path = Path.Combine(folder, "images.pxs");
            var builds = Harness.MeasureInterleaved(
            [
                () =>
                {
                    ram = null; // the previous store is garbage before the next one is allocated, as in one Fit
                    ram = Build(shape, pool, count, new ImageStoreOptions { InMemoryLimitBytes = long.MaxValue });
                },
                () =>
                {
                    disk?.Dispose();
                    disk = null;
                    disk = (MappedImageDataset)Build(shape, pool, count, new ImageStoreOptions { Path = path });
                },
            ], repeats);

            context.Log("Fit's reader: IDataView pixel column -> RAM and -> temporary pixel store, interleaved");
            int fitRows = Math.Min(count, FitRowsMax);
            var view = PixelDataView.Create(new MLContext(seed: 0), RandomImages.PixelRows(shape, fitRows), shape);
            var fits = FitStores(view, shape, settings, repeats, long.MaxValue, 0);

            context.Log("BatchProducer, one epoch per run, RAM and disk interleaved");
            var order = Seeds.EpochOrder(0, 0, count);
            int workers = BatchProducer.DefaultWorkers;
            var actions = new List<Action> { () => Epoch(ram!, order, 1), () => Epoch(disk!, order, 1) };
            if (workers > 1) actions.AddRange([() => Epoch(ram!, order, workers), () => Epoch(disk!, order, workers)]);
            var epochs = Harness.MeasureInterleaved(actions, repeats);
            // The kernel keeps pages that are mapped: the store is closed before its pages are evicted, then reopened.
            disk!.Dispose();
            bool evicts = PageCache.Evict(path);
            var cold = Harness.Measure(() =>
            {
                disk.Dispose();
                PageCache.Evict(path);
                disk = MappedImageDataset.Open(path);
                Epoch(disk, order, workers);
            }, repeats);
            context.CapturePeak();

            context.Log("reference: ResNet-18 forward+backward, batch " + StepBatch);
            var spec = new BackboneSpec(BackboneKind.ResNet18, shape.Channels, SmallImageStem: shape.Height <= 64, BatchNormSplits: 8);
            Timing step;
            using (var cost = new EncoderCost(spec, shape, StepBatch, settings.Device))
                step = cost.MeasureForwardBackward(settings.Repeats);
            double stepRate = step.Rate(StepBatch);

            string reference = $"ResNet-18{(spec.SmallImageStem ? " small stem" : "")} fwd+bwd";
            int perEpoch = count / BatchSize * BatchSize;
            ResultRow Row(string figure, Timing timing, double items) => new(figure, timing.Rate(items), "img/s", reference, stepRate, timing.Describe());
            var rows = new List<ResultRow>
            {
                Row("store build -> RAM (ImageStoreBuilder)", builds[0], count),
                Row("store build -> pixel store file (write, fsync, rename, map)", builds[1], count),
                new ResultRow("context: first touch of fresh memory of the RAM store's size (per image)", touch.Rate(count), "img/s", reference, stepRate,
                    string.Create(CultureInfo.InvariantCulture, $"{(long)count * shape.Size / 1e6 / touch.Median:N0} MB/s, one write per 4 KiB page, one run at the start of the case")),
                Row("Fit's reader: IDataView -> RAM (Fit until its 'Stored' message)", fits[0], fitRows),
                Row("Fit's reader: IDataView -> temporary pixel store", fits[1], fitRows),
                Row("BatchProducer from RAM, 1 worker", epochs[0], perEpoch),
                Row("BatchProducer from pixel store (warm page cache), 1 worker", epochs[1], perEpoch),
            };
            if (workers > 1)
            {
                rows.Add(Row($"BatchProducer from RAM, {workers} workers", epochs[2], perEpoch));
                rows.Add(Row($"BatchProducer from pixel store (warm), {workers} workers", epochs[3], perEpoch));
            }
            rows.Add(evicts
                ? Row($"BatchProducer from pixel store, cold: reopened after evicting its pages, {workers} worker(s)", cold, perEpoch)
                : new ResultRow("BatchProducer from pixel store, cold page cache", double.NaN, "img/s", Note: "n/a: posix_fadvise is not available here"));
            rows.Add(Row($"training step: {reference}, batch {StepBatch}", step, StepBatch));
            return rows;
        }
        finally
        {
            (ram as IDisposable)?.Dispose();
            disk?.Dispose();
            Directory.Delete(folder, recursive: true);
        }
    }

    private static IImageDataset Build(ImageShape shape, float[][] pool, int count, ImageStoreOptions options)
    {
        using var builder = new ImageStoreBuilder(shape, options, count);
        for (int i = 0; i < count; i++) builder.Add(pool[i % pool.Length]);
        return builder.Complete();
    }

    // Seconds to allocate `bytes` and write one byte per 4 KiB page.
    private static Timing TouchFreshMemory(long bytes)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        var array = GC.AllocateUninitializedArray<byte>((int)bytes);
        for (long i = 0; i < bytes; i += 4096) array[i] = 1;
        GC.KeepAlive(array);
        return new Timing([System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalSeconds]);
    }

    private static void Epoch(IImageDataset data, int[] order, int workers)
    {
        float sum = 0;
        foreach (var batch in BatchProducer.BatchesWithWorkers(data, order, BatchSize, 0, 2, workers)) sum += batch[0];
        GC.KeepAlive(sum);
    }

    // Fit's reader, timed from the call to Fit to its "Stored N images" message (then Fit is cancelled), once per
    // memory limit per round, round-robin so load bursts hit every limit alike.
    private static Timing[] FitStores(IDataView view, ImageShape shape, BenchmarkSettings settings, Repetitions repeats, params long[] limits)
    {
        var samples = limits.Select(_ => new List<double>()).ToArray();
        int rounds = Math.Max(repeats.Warmup, 1) + Math.Max(repeats.Iterations, Harness.MinimumSamples);
        for (int round = 0; round < rounds; round++)
            for (int i = 0; i < limits.Length; i++)
            {
                double seconds = FitStore(view, shape, limits[i], settings);
                if (round >= Math.Max(repeats.Warmup, 1)) samples[i].Add(seconds);
            }
        return samples.Select(s => new Timing(s)).ToArray();
    }

    private static double FitStore(IDataView view, ImageShape shape, long inMemoryLimit, BenchmarkSettings settings)
    {
        using var cancel = new CancellationTokenSource();
        double? seconds = null;
        long start = 0;
        var options = new MoCoOptions
        {
            InputColumnName = PixelDataView.PixelColumn,
            ImageChannels = shape.Channels,
            ImageHeight = shape.Height,
            ImageWidth = shape.Width,
            Backbone = BackboneKind.SmallConvNet,
            Epochs = 1,
            BatchSize = BatchSize,
            QueueSize = BatchSize,
            Device = settings.DeviceRequest,
            InMemoryLimitBytes = inMemoryLimit,
            CancellationToken = cancel.Token,
            Log = message =>
            {
                if (seconds is not null || !StoredMessage().IsMatch(message)) return;
                seconds = System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalSeconds;
                cancel.Cancel();
            },
        };
        start = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            new MoCoEstimator(options).Fit(view).Dispose();
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
        }
        return seconds ?? throw new InvalidOperationException("Fit did not log its 'Stored N images' message: the adapter's wording changed.");
    }
}
