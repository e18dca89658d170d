using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetMoco.Core.Data;
using MlNetMoco.Core.Training;
using MlNetMoco.Tests.TestSupport;

namespace MlNetMoco.Tests.Data;

/// <summary>MoCoOptions.PixelStorePath and InMemoryLimitBytes: a store on disk, reused across Fits of the same data, and deleted when asked.</summary>
public class PixelStoreReuseTests
{
    private readonly MLContext _ml = new(seed: 1);

    /// <summary>Counts how often ML.NET reads the pixels of a row.</summary>
    private sealed class Counter
    {
        public int Reads;
    }

    /// <summary>A 1×8×8 row whose pixel getter counts reads.</summary>
    private sealed class CountingRow
    {
        private readonly float[] _pixels;
        private readonly Counter _counter;

        public CountingRow() : this(Array.Empty<float>(), new Counter())
        {
        }

        public CountingRow(float[] pixels, Counter counter) => (_pixels, _counter) = (pixels, counter);

        [VectorType(1, 8, 8)]
        public float[] Pixels
        {
            get
            {
                Interlocked.Increment(ref _counter.Reads);
                return _pixels;
            }
            set { }
        }
    }

    private IDataView Rows(int count, Counter counter, int seed = 1) =>
        _ml.Data.LoadFromEnumerable(SyntheticImages.Rows(count, seed).Select(r => new CountingRow(r.Pixels, counter)).ToList());

    private static MoCoOptions Options(string? store, List<string> lines, List<double>? losses = null)
    {
        var options = TestOptions.Tiny();
        options.PixelStorePath = store;
        options.Log = line => { lock (lines) lines.Add(line); };
        if (losses != null) options.Progress = new SyncProgress<TrainingProgress>(p => { if (!p.EndOfEpoch) losses.Add(p.Loss); });
        return options;
    }

    [Fact]
    public void A_second_Fit_of_the_same_data_reuses_the_store_without_reading_the_rows_and_trains_identically()
    {
        using var dir = new TempDirectory();
        string store = dir.File("images.pxs");
        var counter = new Counter();
        var data = Rows(40, counter);
        var first = new List<string>();
        var firstLosses = new List<double>();
        _ml.Transforms.PretrainMoCo(Options(store, first, firstLosses)).Fit(data).Dispose();
        Assert.Contains(first, l => l.Contains("Stored 40 images of 1×8×8") && l.Contains($"in the pixel store '{store}'"));
        Assert.Equal(9, first.Count(l => l.StartsWith("Storing images in the pixel store", StringComparison.Ordinal))); // at 10 %, 20 %, ... 90 %
        Assert.Equal(40, PixelStoreFile.ReadHeader(store).Count);

        int readsBefore = counter.Reads;
        var second = new List<string>();
        var secondLosses = new List<double>();
        _ml.Transforms.PretrainMoCo(Options(store, second, secondLosses)).Fit(data).Dispose();

        Assert.Contains(second, l => l.StartsWith($"Reusing the pixel store '{store}' (40 images of 1×8×8", StringComparison.Ordinal));
        Assert.DoesNotContain(second, l => l.StartsWith("Stored", StringComparison.Ordinal));
        Assert.Equal(8, counter.Reads - readsBefore); // only the 8 rows the fingerprint samples
        Assert.Equal(firstLosses, secondLosses);
        Assert.True(File.Exists(store));
    }

    [Fact]
    public void Other_data_with_the_same_shape_rebuilds_the_store_and_says_why()
    {
        using var dir = new TempDirectory();
        string store = dir.File("images.pxs");
        _ml.Transforms.PretrainMoCo(Options(store, new List<string>())).Fit(Rows(40, new Counter())).Dispose();

        var otherPixels = new List<string>();
        _ml.Transforms.PretrainMoCo(Options(store, otherPixels)).Fit(Rows(40, new Counter(), seed: 2)).Dispose();
        Assert.Contains(otherPixels, l => l.Contains("was built from other data (another column, input scale or pixels): rebuilding it"));

        var moreRows = new List<string>();
        _ml.Transforms.PretrainMoCo(Options(store, moreRows)).Fit(Rows(48, new Counter(), seed: 2)).Dispose();
        Assert.Contains(moreRows, l => l.Contains("(40 rows, not 48)"));
        Assert.Equal(48, PixelStoreFile.ReadHeader(store).Count);
    }

    [Fact]
    public void A_damaged_store_is_rebuilt_with_a_warning()
    {
        using var dir = new TempDirectory();
        string store = dir.File("images.pxs");
        var data = Rows(40, new Counter());
        _ml.Transforms.PretrainMoCo(Options(store, new List<string>())).Fit(data).Dispose();
        using (var file = new FileStream(store, FileMode.Open)) file.SetLength(file.Length - 10);

        var lines = new List<string>();
        _ml.Transforms.PretrainMoCo(Options(store, lines)).Fit(data).Dispose();
        Assert.Contains(lines, l => l.StartsWith("Warning:", StringComparison.Ordinal) && l.Contains("truncated") && l.Contains("Rebuilding"));
        Assert.Equal(PixelStoreState.Valid, MoCoPixelStore.Inspect(store).State);
    }

    [Fact]
    public void A_file_that_is_not_a_store_is_never_overwritten()
    {
        using var dir = new TempDirectory();
        string path = dir.File("thesis.pdf");
        File.WriteAllText(path, "not pixels");
        var error = Assert.Throws<ArgumentException>(() => _ml.Transforms.PretrainMoCo(Options(path, new List<string>())).Fit(Rows(40, new Counter())));
        Assert.Contains("MoCoOptions.PixelStorePath", error.Message);
        Assert.Contains("not an MlNetMoco pixel store", error.Message);
        Assert.Equal("not pixels", File.ReadAllText(path));
        Assert.Throws<NotAPixelStoreException>(() => MoCoPixelStore.Delete(path));
    }

    [Fact]
    public void Delete_removes_the_store_when_asked()
    {
        using var dir = new TempDirectory();
        string store = dir.File("images.pxs");
        _ml.Transforms.PretrainMoCo(Options(store, new List<string>())).Fit(Rows(40, new Counter())).Dispose();
        var inspection = MoCoPixelStore.Inspect(store);
        Assert.Equal(PixelStoreState.Valid, inspection.State);
        Assert.Contains("column 'Pixels'", inspection.Header!.Description);

        Assert.True(MoCoPixelStore.Delete(store));
        Assert.Equal(PixelStoreState.Missing, MoCoPixelStore.Inspect(store).State);
        Assert.False(MoCoPixelStore.Delete(store));
    }

    [Fact]
    public void Data_above_the_memory_limit_trains_from_a_temporary_store_exactly_as_from_RAM_and_the_store_is_removed()
    {
        var data = Rows(40, new Counter());
        var ramLines = new List<string>();
        var ramLosses = new List<double>();
        _ml.Transforms.PretrainMoCo(Options(null, ramLines, ramLosses)).Fit(data).Dispose();
        Assert.Contains(ramLines, l => l.Contains("Stored 40 images of 1×8×8 from column 'Pixels' in memory"));

        var diskLines = new List<string>();
        var diskLosses = new List<double>();
        var options = Options(null, diskLines, diskLosses);
        options.InMemoryLimitBytes = 40 * 64 - 1;
        _ml.Transforms.PretrainMoCo(options).Fit(data).Dispose();

        var announce = Assert.Single(diskLines, l => l.Contains("take more than MoCoOptions.InMemoryLimitBytes (2,559 bytes)"));
        string path = announce.Split('\'')[3];
        Assert.EndsWith(".pxs", path);
        Assert.False(File.Exists(path));
        Assert.Equal(ramLosses, diskLosses);
    }

    [Theory]
    [InlineData(-1L, null, "InMemoryLimitBytes")]
    [InlineData(0L, " ", "PixelStorePath")]
    public void Invalid_store_settings_are_named_before_anything_is_read(long limit, string? path, string setting)
    {
        var counter = new Counter();
        var options = Options(path, new List<string>());
        options.InMemoryLimitBytes = limit;
        var error = Assert.Throws<ArgumentException>(() => _ml.Transforms.PretrainMoCo(options).Fit(Rows(40, counter)));
        Assert.Contains($"MoCoOptions.{setting}", error.Message);
        Assert.Equal(0, counter.Reads);
    }

    [Fact]
    public void A_folder_as_store_path_is_refused_with_an_example_file_name()
    {
        using var dir = new TempDirectory();
        var error = Assert.Throws<ArgumentException>(() => _ml.Transforms.PretrainMoCo(Options(dir.Path, new List<string>())).Fit(Rows(40, new Counter())));
        Assert.Contains("is a folder", error.Message);
        Assert.Contains("images.pxs", error.Message);
    }
}
