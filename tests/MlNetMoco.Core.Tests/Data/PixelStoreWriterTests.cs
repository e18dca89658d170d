using MlNetMoco.Core.Data;

namespace MlNetMoco.Core.Tests.Data;

public class PixelStoreWriterTests
{
    private static readonly ImageShape Shape = new(3, 4, 5);

    [Fact]
    public void A_store_hands_out_exactly_the_floats_of_the_RAM_store()
    {
        using var dir = new TempFolder();
        var images = StoreTestData.Images(Shape, 37);
        images[0] = Enumerable.Range(0, Shape.Size).Select(i => StoreTestData.Value(i % 256)).ToArray(); // every byte value
        images[1] = Enumerable.Repeat(1.5f, Shape.Size).ToArray(); // clamped to 1
        var ram = new InMemoryImageDataset(Shape);
        foreach (var image in images) ram.Add(image);
        StoreTestData.WriteStore(dir.File("a.pxs"), Shape, images);

        using var disk = MappedImageDataset.Open(dir.File("a.pxs"));
        Assert.Equal(37, disk.Count);
        Assert.Equal(Shape, disk.Shape);
        var expected = StoreTestData.All(ram);
        Assert.Equal(expected, StoreTestData.All(disk)); // bit-identical, not approximately
        Assert.Equal(images[0], expected.AsSpan(0, Shape.Size).ToArray());
        Assert.All(expected.AsSpan(Shape.Size, Shape.Size).ToArray(), v => Assert.Equal(1f, v));
        var picked = new float[2 * Shape.Size];
        disk.CopyImages(new[] { 36, 5 }, picked);
        Assert.Equal(expected.AsSpan(36 * Shape.Size, Shape.Size).ToArray(), picked.AsSpan(0, Shape.Size).ToArray());
        Assert.Equal(expected.AsSpan(5 * Shape.Size, Shape.Size).ToArray(), picked.AsSpan(Shape.Size).ToArray());
    }

    [Fact]
    public void The_header_records_shape_count_fingerprint_description_and_properties()
    {
        using var dir = new TempFolder();
        using (var writer = PixelStoreWriter.Create(dir.File("s.pxs"), Shape, expectedCount: 3))
        {
            foreach (var image in StoreTestData.Images(Shape, 3)) writer.Add(image);
            writer.Complete("abc123", "column 'Pixels'", new Dictionary<string, string> { ["skippedRows"] = "2" });
        }
        var header = PixelStoreFile.ReadHeader(dir.File("s.pxs"));
        Assert.Equal(Shape, header.Shape);
        Assert.Equal(3, header.Count);
        Assert.Equal("abc123", header.Fingerprint);
        Assert.Equal("column 'Pixels'", header.Description);
        Assert.Equal("2", header.Properties["skippedRows"]);
        Assert.Equal(PixelStoreHeader.DefaultDataOffset, header.DataOffset);
        Assert.Equal(header.DataOffset + 3L * Shape.Size, new FileInfo(dir.File("s.pxs")).Length);
        Assert.True((DateTime.UtcNow - header.CreatedUtc).TotalMinutes < 5);
    }

    [Fact]
    public void Nothing_appears_at_the_path_before_Complete_and_an_abandoned_store_leaves_no_file()
    {
        using var dir = new TempFolder();
        using (var writer = PixelStoreWriter.Create(dir.File("s.pxs"), Shape))
        {
            writer.Add(new float[Shape.Size]);
            Assert.False(File.Exists(dir.File("s.pxs")));
            Assert.True(File.Exists(writer.TemporaryPath));
            Assert.EndsWith(".partial", writer.TemporaryPath);
        }
        Assert.Empty(dir.Files());
    }

    [Fact]
    public void A_rebuilt_store_replaces_the_old_one_only_when_complete()
    {
        using var dir = new TempFolder();
        string path = dir.File("s.pxs");
        StoreTestData.WriteStore(path, Shape, StoreTestData.Images(Shape, 2), fingerprint: "old");
        using (var writer = PixelStoreWriter.Create(path, Shape))
        {
            writer.Add(new float[Shape.Size]);
            Assert.Equal("old", PixelStoreFile.ReadHeader(path).Fingerprint);
        }
        Assert.Equal("old", PixelStoreFile.ReadHeader(path).Fingerprint);
        StoreTestData.WriteStore(path, Shape, StoreTestData.Images(Shape, 5), fingerprint: "new");
        Assert.Equal(("new", 5L), (PixelStoreFile.ReadHeader(path).Fingerprint, PixelStoreFile.ReadHeader(path).Count));
        Assert.Equal(new[] { "s.pxs" }, dir.Files());
    }

    /// <summary>A file stream that fails like a full disk once more than a given number of bytes were written.</summary>
    private sealed class FullDiskStream(string path, long capacity) : FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1)
    {
        public override void Write(ReadOnlySpan<byte> buffer) => Write(buffer.ToArray(), 0, buffer.Length);

        public override void Write(byte[] buffer, int offset, int count)
        {
            if (Position + count > capacity) throw new IOException($"No space left on device : '{Name}'", 28);
            base.Write(buffer, offset, count);
        }
    }

    [Fact]
    public void A_full_disk_gives_an_error_naming_the_path_and_the_space_needed_and_leaves_no_partial_file()
    {
        using var dir = new TempFolder();
        string path = dir.File("s.pxs");
        StoreTestData.WriteStore(path, Shape, StoreTestData.Images(Shape, 1), fingerprint: "previous");
        var options = new PixelStoreWriterOptions { OpenTemporaryFile = p => new FullDiskStream(p, PixelStoreHeader.DefaultDataOffset + 10L * Shape.Size) };
        using var writer = PixelStoreWriter.Create(path, Shape, expectedCount: 100, options);
        for (int i = 0; i < 10; i++) writer.Add(new float[Shape.Size]);

        var error = Assert.Throws<InsufficientDiskSpaceException>(() => writer.Add(new float[Shape.Size]));
        Assert.Contains($"'{path}'", error.Message);
        long needed = PixelStoreHeader.DefaultDataOffset + 100L * Shape.Size;
        Assert.Equal(needed, error.RequiredBytes);
        Assert.Contains($"{needed:N0} bytes", error.Message);
        Assert.Contains("partial file was removed", error.Message);
        Assert.IsType<IOException>(error.InnerException);
        Assert.Equal(new[] { "s.pxs" }, dir.Files()); // the partial file is gone, the previous store untouched
        Assert.Equal("previous", PixelStoreFile.ReadHeader(path).Fingerprint);
        Assert.Throws<InvalidOperationException>(() => writer.Add(new float[Shape.Size]));
    }

    [Fact]
    public void A_disk_that_fills_up_during_Complete_also_leaves_nothing()
    {
        using var dir = new TempFolder();
        // Buffered: the data only reaches the failing stream when Complete flushes it.
        var options = new PixelStoreWriterOptions
        {
            OpenTemporaryFile = p => new BufferedStream(new FullDiskStream(p, PixelStoreHeader.DefaultDataOffset + 2L * Shape.Size), 1 << 20),
        };
        using var writer = PixelStoreWriter.Create(dir.File("s.pxs"), Shape, options: options);
        for (int i = 0; i < 5; i++) writer.Add(new float[Shape.Size]);
        var error = Assert.Throws<InsufficientDiskSpaceException>(() => writer.Complete());
        Assert.Equal(PixelStoreHeader.DefaultDataOffset + 5L * Shape.Size, error.RequiredBytes);
        Assert.Contains("lower bound", error.Message);
        Assert.Empty(dir.Files());
    }

    [Fact]
    public void Too_little_free_space_for_the_expected_images_fails_before_anything_is_written()
    {
        using var dir = new TempFolder();
        var options = new PixelStoreWriterOptions { FreeBytesOverride = 1_000_000 };
        var error = Assert.Throws<InsufficientDiskSpaceException>(() => PixelStoreWriter.Create(dir.File("big.pxs"), new ImageShape(3, 96, 96), 400_000, options));
        Assert.Equal(PixelStoreHeader.DefaultDataOffset + 400_000L * 3 * 96 * 96, error.RequiredBytes);
        Assert.Equal(1_000_000, error.AvailableBytes);
        Assert.Contains("11.06 GB", error.Message);
        Assert.Contains("1,000,000 bytes", error.Message);
        Assert.Empty(dir.Files());
    }

    [Fact]
    public void Wrong_sizes_and_non_finite_values_are_rejected()
    {
        using var dir = new TempFolder();
        using var writer = PixelStoreWriter.Create(dir.File("s.pxs"), Shape);
        Assert.Throws<ArgumentException>(() => writer.Add(new float[Shape.Size - 1]));
        Assert.Throws<ArgumentException>(() => writer.AddBytes(new byte[Shape.Size + 1]));
        var values = new float[Shape.Size];
        values[7] = float.NaN;
        var e = Assert.Throws<ArgumentException>(() => writer.Add(values));
        Assert.Contains("non-finite", e.Message);
        Assert.Contains("position 7", e.Message);
    }
}
