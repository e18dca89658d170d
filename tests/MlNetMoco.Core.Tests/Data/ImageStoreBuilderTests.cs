using MlNetMoco.Core.Data;

namespace MlNetMoco.Core.Tests.Data;

public class ImageStoreBuilderTests
{
    private static readonly ImageShape Shape = new(3, 4, 4); // 48 bytes per image

    private static IImageDataset Build(ImageStoreOptions options, float[][] images, long? expected, Action<ImageStoreBuilder>? check = null)
    {
        using var builder = new ImageStoreBuilder(Shape, options, expected);
        foreach (var image in images) builder.Add(image);
        check?.Invoke(builder);
        return builder.Complete("fp", "test");
    }

    [Fact]
    public void Small_data_stays_in_RAM()
    {
        using var dir = new TempFolder();
        var images = StoreTestData.Images(Shape, 10);
        var data = Build(new ImageStoreOptions { InMemoryLimitBytes = 480, TemporaryDirectory = dir.Path }, images, 10);
        Assert.IsType<InMemoryImageDataset>(data);
        Assert.Equal(images.SelectMany(i => i), StoreTestData.All(data));
        Assert.Empty(dir.Files());
    }

    [Fact]
    public void Data_above_the_limit_goes_to_a_temporary_store_that_is_deleted_after_use()
    {
        using var dir = new TempFolder();
        var images = StoreTestData.Images(Shape, 11);
        var data = Build(new ImageStoreOptions { InMemoryLimitBytes = 480, TemporaryDirectory = dir.Path }, images, 11,
            b => Assert.True(b.IsOnDisk));
        var mapped = Assert.IsType<MappedImageDataset>(data);
        Assert.Equal(images.SelectMany(i => i), StoreTestData.All(data));
        Assert.StartsWith(dir.Path, mapped.Path);
        mapped.Dispose();
        Assert.Empty(dir.Files());
    }

    [Fact]
    public void With_an_unknown_count_the_images_move_to_disk_when_they_pass_the_limit_unchanged()
    {
        using var dir = new TempFolder();
        var images = StoreTestData.Images(Shape, 25);
        using var builder = new ImageStoreBuilder(Shape, new ImageStoreOptions { InMemoryLimitBytes = 480, TemporaryDirectory = dir.Path });
        for (int i = 0; i < images.Length; i++)
        {
            builder.Add(images[i]);
            Assert.Equal(i >= 10, builder.IsOnDisk);
        }
        using var data = Assert.IsType<MappedImageDataset>(builder.Complete());
        Assert.Equal(25, data.Count);
        Assert.Equal(images.SelectMany(i => i), StoreTestData.All(data));
    }

    [Fact]
    public void A_given_path_always_writes_a_store_that_outlives_the_data_set()
    {
        using var dir = new TempFolder();
        var images = StoreTestData.Images(Shape, 3);
        var data = Build(new ImageStoreOptions { Path = dir.File("kept.pxs") }, images, 3);
        var mapped = Assert.IsType<MappedImageDataset>(data);
        mapped.Dispose();
        Assert.Equal(new[] { "kept.pxs" }, dir.Files());
        var header = PixelStoreFile.ReadHeader(dir.File("kept.pxs"));
        Assert.Equal(("fp", "test", 3L), (header.Fingerprint, header.Description, header.Count));
    }

    [Fact]
    public void An_abandoned_build_leaves_no_file()
    {
        using var dir = new TempFolder();
        using (var builder = new ImageStoreBuilder(Shape, new ImageStoreOptions { Path = dir.File("s.pxs") }))
            builder.Add(new float[Shape.Size]);
        using (var builder = new ImageStoreBuilder(Shape, new ImageStoreOptions { InMemoryLimitBytes = 0, TemporaryDirectory = dir.Path }))
        {
            builder.Add(new float[Shape.Size]);
            Assert.True(builder.IsOnDisk);
        }
        Assert.Empty(dir.Files());
    }

    [Fact]
    public void A_disk_too_small_for_the_expected_images_is_reported_before_any_image_is_read()
    {
        using var dir = new TempFolder();
        var options = new ImageStoreOptions { Path = dir.File("s.pxs"), Writer = new PixelStoreWriterOptions { FreeBytesOverride = 100 } };
        var e = Assert.Throws<InsufficientDiskSpaceException>(() => new ImageStoreBuilder(Shape, options, expectedCount: 1000));
        Assert.Equal(dir.File("s.pxs"), e.Path);
        Assert.Empty(dir.Files());
    }

    [Fact]
    public void A_negative_limit_is_refused_by_name()
    {
        var e = Assert.Throws<ArgumentException>(() => new ImageStoreBuilder(Shape, new ImageStoreOptions { InMemoryLimitBytes = -1 }));
        Assert.Contains("InMemoryLimitBytes", e.Message);
    }
}
