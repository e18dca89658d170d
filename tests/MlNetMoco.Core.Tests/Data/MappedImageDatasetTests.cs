using MlNetMoco.Core.Data;

namespace MlNetMoco.Core.Tests.Data;

public partial class MappedImageDatasetTests
{
    [Fact]
    public void Images_beyond_two_gigabytes_are_read_with_64_bit_offsets()
    {
        // 90,000 images of 3×96×96 are 2.49 GB: a sparse file (only the header and two images hold data) written
        // through the public header, so the test needs no 2.5 GB of disk.
        using var dir = new TempFolder();
        var shape = new ImageShape(3, 96, 96);
        var header = new PixelStoreHeader { Shape = shape, Count = 90_000, Fingerprint = "sparse" };
        string path = dir.File("sparse.pxs");
        int last = 89_999, middle = 77_777; // image 77,777 starts at 2,150,393,856 bytes, past 2^31
        Assert.True(header.DataOffset + (long)middle * shape.Size > int.MaxValue);
        using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
        {
            file.Write(header.ToBytes());
            file.SetLength(header.FileLength);
            foreach (int index in new[] { middle, last })
            {
                file.Position = header.DataOffset + (long)index * shape.Size;
                file.Write(Enumerable.Range(0, shape.Size).Select(i => (byte)((i + index) % 251)).ToArray());
            }
        }

        using var data = MappedImageDataset.Open(path);
        Assert.Equal(90_000, data.Count);
        var copy = new float[3 * shape.Size];
        data.CopyImages(new[] { last, 0, middle }, copy);
        for (int i = 0; i < shape.Size; i++)
        {
            Assert.Equal(StoreTestData.Value((i + last) % 251), copy[i]);
            Assert.Equal(0f, copy[shape.Size + i]);
            Assert.Equal(StoreTestData.Value((i + middle) % 251), copy[2 * shape.Size + i]);
        }
    }

    [Fact]
    public void Concurrent_readers_see_the_same_images()
    {
        using var dir = new TempFolder();
        var shape = new ImageShape(1, 8, 8);
        StoreTestData.WriteStore(dir.File("s.pxs"), shape, StoreTestData.Images(shape, 300));
        using var data = MappedImageDataset.Open(dir.File("s.pxs"));
        var expected = StoreTestData.All(data);
        Parallel.For(0, 8, worker =>
        {
            var random = new Random(worker);
            var buffer = new float[shape.Size];
            for (int i = 0; i < 2000; i++)
            {
                int index = random.Next(300);
                data.CopyImages(new[] { index }, buffer);
                Assert.Equal(expected.AsSpan(index * shape.Size, shape.Size).ToArray(), buffer);
            }
        });
    }

    [Fact]
    public void A_disposed_store_refuses_reads_and_bad_indices_are_named()
    {
        using var dir = new TempFolder();
        var shape = new ImageShape(1, 2, 2);
        StoreTestData.WriteStore(dir.File("s.pxs"), shape, StoreTestData.Images(shape, 3));
        var data = MappedImageDataset.Open(dir.File("s.pxs"));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => data.CopyImages(new[] { 3 }, new float[4]));
        Assert.Contains("Image index 3 is outside [0, 3)", e.Message);
        Assert.Throws<ArgumentException>(() => data.CopyImages(new[] { 0, 1 }, new float[7]));
        data.Dispose();
        Assert.Throws<ObjectDisposedException>(() => data.CopyImages(new[] { 0 }, new float[4]));
        Assert.True(File.Exists(dir.File("s.pxs"))); // a kept store stays
    }

    [Fact]
    public void A_temporary_store_disappears_from_the_folder_and_is_still_readable_until_disposed()
    {
        using var dir = new TempFolder();
        var shape = new ImageShape(1, 2, 2);
        var images = StoreTestData.Images(shape, 3);
        StoreTestData.WriteStore(dir.File("t.pxs"), shape, images);
        var data = MappedImageDataset.Open(dir.File("t.pxs"), deleteOnDispose: true);
        if (!OperatingSystem.IsWindows()) Assert.Empty(dir.Files()); // unlinked at once: a crash leaves nothing
        Assert.Equal(images.SelectMany(i => i), StoreTestData.All(data));
        data.Dispose();
        Assert.Empty(dir.Files());
    }

    [Fact]
    public void Reading_a_whole_store_keeps_the_resident_set_bounded()
    {
        if (!OperatingSystem.IsLinux()) Assert.Skip("The resident set is read from /proc/self/smaps and released with madvise: Linux only.");
        // A 192 MiB store (sparse: its pages are zero-filled when read) read through in random order with a 16 MiB
        // release threshold: without the release, the mapping's resident set grows by the whole store. (The kernel maps
        // up to 64 KiB around each faulting page, so what a period maps can exceed the bytes read: hence the margin.)
        // Only the store's own mapping is measured (/proc/self/smaps), not the process's RssFile, which tests running
        // in parallel (loading libtorch, mapping their own files) also change.
        using var dir = new TempFolder();
        var shape = new ImageShape(3, 128, 128);
        var header = new PixelStoreHeader { Shape = shape, Count = 4096, Fingerprint = "rss" };
        string path = dir.File("rss.pxs");
        using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
        {
            file.Write(header.ToBytes());
            file.SetLength(header.FileLength);
        }
        for (int round = 0; round < 2; round++) // the first round also warms the page cache
        {
            using var data = MappedImageDataset.Open(path);
            data.ResidentLimitBytes = 16L << 20;
            long before = MappedKiB(path);
            var buffer = new float[16 * shape.Size];
            var order = Enumerable.Range(0, data.Count).ToArray();
            new Random(round).Shuffle(order);
            long peak = 0;
            for (int b = 0; b < order.Length / 16; b++)
            {
                data.CopyImages(order.AsSpan(b * 16, 16), buffer);
                if (b % 4 == 3) peak = Math.Max(peak, MappedKiB(path) - before);
            }
            Assert.True(peak < 80 * 1024, $"The store mapping's resident set grew by {peak / 1024} MiB while reading a 192 MiB store with pages released every 16 MiB");
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex("^[0-9a-f]+-[0-9a-f]+ ")]
    private static partial System.Text.RegularExpressions.Regex MappingHeader();

    /// <summary>The resident set (Rss, KiB) of every mapping of <paramref name="path"/> in this process.</summary>
    private static long MappedKiB(string path)
    {
        long total = 0;
        bool inside = false;
        foreach (string line in File.ReadLines("/proc/self/smaps"))
        {
            if (MappingHeader().IsMatch(line))
                inside = line.EndsWith(path, StringComparison.Ordinal);
            else if (inside && line.StartsWith("Rss:", StringComparison.Ordinal))
                total += long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
        }
        return total;
    }
}
