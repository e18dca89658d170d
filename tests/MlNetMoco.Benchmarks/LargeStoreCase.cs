using System.Diagnostics;
using System.Globalization;
using MlNetMoco.Core.Data;
using MlNetMoco.Core.Training;

namespace MlNetMoco.Benchmarks;

/// <summary>
/// A pixel store of <see cref="BenchmarkSettings.StoreBytes"/> (3×96×96 images) written to the temp folder, read for
/// one epoch of batches with its pages evicted from the page cache first, and deleted, while the process's resident
/// memory is sampled: RssAnon (memory the process owns) must stay flat, whatever the store's size; RssFile (mapped
/// store pages, page cache the kernel reclaims under pressure) grows with what the epoch touched.
/// </summary>
internal static class LargeStoreCase
{
    private const int BatchSize = 256, PoolSize = 64;
    private static readonly ImageShape Shape = new(3, 96, 96);

    /// <summary>The case, named "&lt;benchmark&gt;/large".</summary>
    public static BenchmarkCase Create(string benchmark, BenchmarkSettings settings)
    {
        long count = settings.StoreBytes / Shape.Size;
        return new BenchmarkCase($"{benchmark}/large",
            string.Create(CultureInfo.InvariantCulture, $"{count:N0} images of {Shape} ({count * Shape.Size / 1e9:0.00} GB) on disk: build, 1 cold epoch, RSS"),
            (s, context) => Run(s, context));
    }

    private static IReadOnlyList<ResultRow> Run(BenchmarkSettings settings, CaseContext context)
    {
        int count = (int)(settings.StoreBytes / Shape.Size);
        string path = Path.Combine(Path.GetTempPath(), $"mlnetmoco-bench-large-{Guid.NewGuid():N}.pxs");
        long bytes = PixelStoreHeader.DefaultDataOffset + (long)count * Shape.Size;
        long free = new DriveInfo(Path.GetTempPath()).AvailableFreeSpace;
        if (free < bytes + 2_000_000_000)
            throw new InvalidOperationException($"The temp folder's disk has {free / 1e9:0.0} GB free; the store needs {bytes / 1e9:0.0} GB and 2 GB to spare (lower --store-gb).");

        var pool = new byte[PoolSize * Shape.Size];
        new Random(0).NextBytes(pool);
        context.BeginMainPhase();
        var atStart = ProcessMemory.Read();
        using var sampler = new MemorySampler(TimeSpan.FromMilliseconds(100));
        try
        {
            context.Log($"writing {count:N0} images to {path}");
            var build = Stopwatch.StartNew();
            using (var writer = PixelStoreWriter.Create(path, Shape, count))
            {
                for (int i = 0; i < count; i += PoolSize)
                {
                    int n = Math.Min(PoolSize, count - i);
                    writer.AddBytes(pool.AsSpan(0, n * Shape.Size));
                }
                writer.Complete("benchmark", "random 3×96×96 images");
            }
            double buildSeconds = build.Elapsed.TotalSeconds;
            sampler.Sample();
            var afterBuild = ProcessMemory.Read();
            bool evicted = PageCache.Evict(path);

            context.Log($"one epoch of batches of {BatchSize} in random order ({(evicted ? "file evicted from the page cache first" : "page cache not evicted")})");
            var order = Seeds.EpochOrder(0, 0, count);
            var epoch = Stopwatch.StartNew();
            var atEpochStart = ProcessMemory.Read();
            float sum = 0;
            using (var data = MappedImageDataset.Open(path))
                foreach (var batch in BatchProducer.Batches(data, order, BatchSize)) sum += batch[0];
            double epochSeconds = epoch.Elapsed.TotalSeconds;
            GC.KeepAlive(sum);
            sampler.Sample();
            var atEnd = ProcessMemory.Read();
            context.CapturePeak();

            int perEpoch = count / BatchSize * BatchSize;
            string Mem(ProcessMemory? m) => m is { } v
                ? string.Create(CultureInfo.InvariantCulture, $"RssAnon {ProcessMemory.Mib(v.RssAnon):N0} MiB, RssFile {ProcessMemory.Mib(v.RssFile):N0} MiB")
                : "n/a";
            return
            [
                new ResultRow("store build (PixelStoreWriter.AddBytes, fsync, rename)", count / buildSeconds, "img/s",
                    Note: string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e9 / buildSeconds:0.00} GB/s, {buildSeconds:0.0} s; after: {Mem(afterBuild)}")),
                new ResultRow($"1 epoch, BatchProducer ({BatchProducer.DefaultWorkers} worker(s)), {(evicted ? "cold" : "warm")} page cache", perEpoch / epochSeconds, "img/s",
                    Note: string.Create(CultureInfo.InvariantCulture, $"{epochSeconds:0.0} s; start: {Mem(atEpochStart)}; end: {Mem(atEnd)}")),
                new ResultRow("RssAnon at the start of the case", ProcessMemory.Mib(atStart?.RssAnon ?? 0), "MiB"),
                new ResultRow("RssAnon peak (build + epoch)", ProcessMemory.Mib(sampler.PeakAnon), "MiB", Note: $"{sampler.Samples} samples, every 100 ms"),
                new ResultRow("RssFile peak (mapped store pages: reclaimable page cache)", ProcessMemory.Mib(sampler.PeakFile), "MiB",
                    Note: string.Create(CultureInfo.InvariantCulture, $"store {bytes / 1048576.0:N0} MiB")),
                new ResultRow("store size", bytes / 1048576.0, "MiB", Note: string.Create(CultureInfo.InvariantCulture, $"{count:N0} images, deleted after the case")),
            ];
        }
        finally
        {
            PixelStoreFile.Delete(path);
        }
    }
}
