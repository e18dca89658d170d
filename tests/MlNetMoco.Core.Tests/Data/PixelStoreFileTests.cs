using MlNetMoco.Core.Data;

namespace MlNetMoco.Core.Tests.Data;

public class PixelStoreFileTests
{
    private static readonly ImageShape Shape = new(1, 4, 4);

    private static string Store(TempFolder dir, string name = "s.pxs", int count = 4)
    {
        StoreTestData.WriteStore(dir.File(name), Shape, StoreTestData.Images(Shape, count));
        return dir.File(name);
    }

    private static void Patch(string path, long offset, params byte[] bytes)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Write);
        file.Position = offset;
        file.Write(bytes);
    }

    [Fact]
    public void A_valid_store_is_inspected_as_valid_with_its_header()
    {
        using var dir = new TempFolder();
        var inspection = PixelStoreFile.Inspect(Store(dir));
        Assert.Equal(PixelStoreState.Valid, inspection.State);
        Assert.Equal(4, inspection.Header!.Count);
        Assert.Equal(PixelStoreState.Missing, PixelStoreFile.Inspect(dir.File("none.pxs")).State);
    }

    [Fact]
    public void A_truncated_store_is_damaged_and_the_message_says_how_many_bytes_were_expected()
    {
        using var dir = new TempFolder();
        string path = Store(dir);
        using (var file = new FileStream(path, FileMode.Open)) file.SetLength(file.Length - 1);
        var inspection = PixelStoreFile.Inspect(path);
        Assert.Equal(PixelStoreState.Damaged, inspection.State);
        Assert.Contains($"need {PixelStoreHeader.DefaultDataOffset + 4 * 16} bytes", inspection.Problem);
        Assert.Contains("truncated", inspection.Problem);
        var e = Assert.Throws<InvalidDataException>(() => MappedImageDataset.Open(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void A_changed_header_byte_fails_the_checksum()
    {
        using var dir = new TempFolder();
        string path = Store(dir);
        Patch(path, 20, 5); // height 4 -> 5
        var e = Assert.Throws<InvalidDataException>(() => PixelStoreFile.ReadHeader(path));
        Assert.Contains("checksum", e.Message);
    }

    [Fact]
    public void A_newer_format_version_is_refused_as_newer()
    {
        using var dir = new TempFolder();
        string path = Store(dir);
        Patch(path, 8, PixelStoreHeader.FormatVersion + 1, 0, 0, 0);
        var e = Assert.Throws<InvalidDataException>(() => PixelStoreFile.ReadHeader(path));
        Assert.Contains($"format version {PixelStoreHeader.FormatVersion + 1}", e.Message);
        Assert.Contains("newer", e.Message);
        Assert.Equal(PixelStoreState.Damaged, PixelStoreFile.Inspect(path).State);
    }

    [Fact]
    public void Another_file_is_not_a_store_and_is_never_deleted()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("notes.txt"), "my notes, not pixels");
        var inspection = PixelStoreFile.Inspect(dir.File("notes.txt"));
        Assert.Equal(PixelStoreState.NotAStore, inspection.State);
        Assert.Contains("not an MlNetMoco pixel store", inspection.Problem);
        Assert.Throws<NotAPixelStoreException>(() => PixelStoreFile.Delete(dir.File("notes.txt")));
        Assert.Throws<NotAPixelStoreException>(() => MappedImageDataset.Open(dir.File("notes.txt")));
        Assert.True(File.Exists(dir.File("notes.txt")));
        Assert.Equal(PixelStoreState.NotAStore, PixelStoreFile.Inspect(dir.Path).State);
    }

    [Fact]
    public void Delete_removes_the_store_and_partial_files_left_by_a_crash_and_reports_whether_anything_was_there()
    {
        using var dir = new TempFolder();
        string path = Store(dir);
        Store(dir, "other.pxs");
        File.WriteAllBytes(path + ".0123456789abcdef.partial", new byte[10]);
        Assert.True(PixelStoreFile.Delete(path));
        Assert.Equal(new[] { "other.pxs" }, dir.Files());
        Assert.False(PixelStoreFile.Delete(path));
    }

    [Fact]
    public void Metadata_that_does_not_fit_the_header_is_refused()
    {
        var header = new PixelStoreHeader { Shape = Shape, Count = 1, Description = new string('x', PixelStoreHeader.DefaultDataOffset) };
        var e = Assert.Throws<ArgumentException>(() => header.ToBytes());
        Assert.Contains("metadata", e.Message);
    }
}
