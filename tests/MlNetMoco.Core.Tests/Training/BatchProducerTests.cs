using MlNetMoco.Core.Data;
using MlNetMoco.Core.Tests.Data;
using MlNetMoco.Core.Training;

namespace MlNetMoco.Core.Tests.Training;

public class BatchProducerTests
{
    private static InMemoryImageDataset Numbered(int count)
    {
        var data = new InMemoryImageDataset(new ImageShape(1, 1, 2));
        for (int i = 0; i < count; i++) data.Add(new[] { i / 255f, 1f });
        return data;
    }

    [Fact]
    public void Yields_full_batches_in_order_and_drops_the_last_partial_one()
    {
        var data = Numbered(7);
        var order = new[] { 6, 5, 4, 3, 2, 1, 0 };
        var batches = BatchProducer.Batches(data, order, 3).ToList();
        Assert.Equal(2, batches.Count);
        Assert.Equal(new[] { 6f, 1, 5, 1, 4, 1 }, batches[0].Select((v, i) => i % 2 == 0 ? MathF.Round(v * 255) : v));
        Assert.Equal(new[] { 3f, 2, 1 }, batches[1].Where((_, i) => i % 2 == 0).Select(v => MathF.Round(v * 255)));
    }

    [Fact]
    public void Starts_at_the_requested_batch_and_stops_early_without_hanging()
    {
        var data = Numbered(100);
        var order = Enumerable.Range(0, 100).ToArray();
        var first = BatchProducer.Batches(data, order, 10, firstBatch: 8).First();
        Assert.Equal(80f, MathF.Round(first[0] * 255));
    }

    private sealed class Failing : IImageDataset
    {
        public int Count => 10;
        public ImageShape Shape => new(1, 1, 1);
        public void CopyImages(ReadOnlySpan<int> indices, Span<float> destination) => throw new IOException("disk gone");
    }

    [Fact]
    public void A_failing_source_surfaces_its_exception()
    {
        var e = Assert.ThrowsAny<Exception>(() => BatchProducer.Batches(new Failing(), Enumerable.Range(0, 10).ToArray(), 2).ToList());
        Assert.Contains("disk gone", e.ToString());
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(8)]
    public void Parallel_copy_workers_give_exactly_the_batches_of_one_worker_from_RAM_and_from_disk(int workers)
    {
        // 3×64×64 images, batches of 24: 294,912 values, enough for 4 slices of at least MinimumValuesPerWorker.
        var shape = new ImageShape(3, 64, 64);
        var images = StoreTestData.Images(shape, 100);
        var ram = new InMemoryImageDataset(shape);
        foreach (var image in images) ram.Add(image);
        using var dir = new TempFolder();
        StoreTestData.WriteStore(dir.File("s.pxs"), shape, images);
        using var disk = MappedImageDataset.Open(dir.File("s.pxs"));
        var order = Seeds.EpochOrder(3, 1, 100);

        var reference = BatchProducer.BatchesWithWorkers(ram, order, 24, 0, 2, workers: 1).Select(b => b.ToArray()).ToList();
        Assert.Equal(4, reference.Count);
        Assert.Equal(reference, BatchProducer.BatchesWithWorkers(ram, order, 24, 0, 2, workers).Select(b => b.ToArray()));
        Assert.Equal(reference, BatchProducer.BatchesWithWorkers(disk, order, 24, 0, 2, workers).Select(b => b.ToArray()));
        Assert.Equal(reference.Skip(2), BatchProducer.BatchesWithWorkers(disk, order, 24, firstBatch: 2, prefetch: 4, workers).Select(b => b.ToArray()));
        Assert.Equal(reference, BatchProducer.Batches(disk, order, 24).Select(b => b.ToArray())); // the loop's call: DefaultWorkers
        var first = new float[shape.Size];
        ram.CopyImages(new[] { order[0] }, first);
        Assert.Equal(first, reference[0].AsSpan(0, shape.Size).ToArray());
    }

    [Fact]
    public void A_failing_source_surfaces_its_own_exception_with_several_workers()
    {
        var e = Assert.ThrowsAny<Exception>(() => BatchProducer.BatchesWithWorkers(new FailingLarge(), Enumerable.Range(0, 64).ToArray(), 32, 0, 2, workers: 4).ToList());
        Assert.IsType<IOException>(e is AggregateException a ? a.Flatten().InnerExceptions[0] : e);
        Assert.Contains("disk gone", e.ToString());
    }

    private sealed class FailingLarge : IImageDataset
    {
        public int Count => 64;
        public ImageShape Shape => new(3, 64, 64);
        public void CopyImages(ReadOnlySpan<int> indices, Span<float> destination) => throw new IOException("disk gone");
    }
}
