using Microsoft.ML;
using MlNetMoco.Core.Data;
using MlNetMoco.Tests.TestSupport;

namespace MlNetMoco.Tests.Data;

/// <summary>Fit skips rows whose image file is corrupt or missing, counts them and names them in the log.</summary>
public class UnreadableImageTests
{
    private readonly MLContext _ml = new(seed: 1);

    // 14 rows: 12 good PNGs, a corrupt one at row 3 and a missing one at row 9.
    private static List<ImageFile> Files(TempDirectory dir)
    {
        var rows = new List<ImageFile>();
        int good = 0;
        for (int row = 0; row < 14; row++)
        {
            string path = dir.File($"img{row:D2}.png");
            if (row == 3) PngFiles.WriteGarbage(path);
            else if (row != 9) PngFiles.WriteSolid(path, good++);
            rows.Add(new ImageFile { Path = path });
        }
        return rows;
    }

    private IEstimator<ITransformer> Images(bool extractPixels)
    {
        var images = _ml.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: nameof(ImageFile.Path))
            .Append(_ml.Transforms.ResizeImages("Image", imageWidth: 8, imageHeight: 8));
        return extractPixels ? images.Append(_ml.Transforms.ExtractPixels("Pixels", "Image")) : images;
    }

    [Theory]
    [InlineData(false)] // an MLImage column: the image getter fails row by row
    [InlineData(true)]  // ExtractPixels: ML.NET's multi-threaded cursor fails as a whole; the pass goes on row by row
    public void Corrupt_and_missing_files_are_skipped_counted_and_named_and_the_other_images_are_kept_in_order(bool extractPixels)
    {
        using var dir = new TempDirectory();
        var view = _ml.Data.LoadFromEnumerable(Files(dir));
        var input = Images(extractPixels).Fit(view).Transform(view);
        var lines = new List<string>();
        var options = TestOptions.Tiny();
        options.InputColumnName = extractPixels ? "Pixels" : "Image";
        options.PixelStorePath = dir.File("store.pxs");
        options.Log = line => { lock (lines) lines.Add(line); };

        using var moco = _ml.Transforms.PretrainMoCo(options).Fit(input);

        var warning = Assert.Single(lines, l => l.Contains("could not be read"));
        Assert.StartsWith("Warning: Skipped 2 row(s) of column", warning);
        Assert.Contains($"row 3 (Path: '{dir.File("img03.png")}')", warning);
        Assert.Contains($"row 9 (Path: '{dir.File("img09.png")}')", warning);
        Assert.Contains(lines, l => l.Contains("Stored 12 images of 3×8×8"));

        using var store = MappedImageDataset.Open(dir.File("store.pxs"));
        Assert.Equal(12, store.Count);
        var pixels = new float[store.Shape.Size];
        for (int i = 0; i < 12; i++)
        {
            store.CopyImages(new[] { i }, pixels);
            var (r, g, b) = PngFiles.Colour(i);
            Assert.Equal(r / 255.0, pixels[0], 5);
            Assert.Equal(g / 255.0, pixels[64 + 63], 5);
            Assert.Equal(b / 255.0, pixels[128 + 10], 5);
        }
        Assert.Equal("2", store.Header.Properties["skippedRows"]);
        Assert.Equal("14", store.Header.Properties["sourceRows"]);
    }

    [Fact]
    public void A_reused_store_reports_the_rows_skipped_when_it_was_built()
    {
        using var dir = new TempDirectory();
        var view = _ml.Data.LoadFromEnumerable(Files(dir));
        var input = Images(extractPixels: false).Fit(view).Transform(view);
        var options = TestOptions.Tiny();
        options.InputColumnName = "Image";
        options.PixelStorePath = dir.File("store.pxs");
        _ml.Transforms.PretrainMoCo(options).Fit(input).Dispose();

        var lines = new List<string>();
        options.Log = line => { lock (lines) lines.Add(line); };
        _ml.Transforms.PretrainMoCo(options).Fit(input).Dispose();

        Assert.Contains(lines, l => l.StartsWith("Reusing the pixel store", StringComparison.Ordinal) && l.Contains("12 images"));
        var warning = Assert.Single(lines, l => l.Contains("could not be read"));
        Assert.Contains("was built without 2 row(s)", warning);
        Assert.Contains("row 3 (Path:", warning);
    }

    [Fact]
    public void When_no_row_can_be_read_Fit_fails_naming_the_first_rows_and_leaves_no_store()
    {
        using var dir = new TempDirectory();
        var rows = Enumerable.Range(0, 3).Select(i => new ImageFile { Path = dir.File($"bad{i}.png") }).ToList();
        foreach (var row in rows) PngFiles.WriteGarbage(row.Path);
        var view = _ml.Data.LoadFromEnumerable(rows);
        var input = Images(extractPixels: true).Fit(view).Transform(view);
        var options = TestOptions.Tiny();
        options.PixelStorePath = dir.File("store.pxs");

        var error = Assert.Throws<ArgumentException>(() => _ml.Transforms.PretrainMoCo(options).Fit(input));
        Assert.Contains("None of the 3 rows of column 'Pixels' could be read", error.Message);
        Assert.Contains("row 0 (Path:", error.Message);
        Assert.Contains("bad2.png", error.Message);
        Assert.Equal(PixelStoreState.Missing, MoCoPixelStore.Inspect(dir.File("store.pxs")).State);
        Assert.DoesNotContain(Directory.GetFiles(dir.Path), f => f.Contains(".pxs"));
    }
}
