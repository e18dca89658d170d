using System.IO.Compression;
using System.Text.Json.Nodes;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetMoco.Tests.TestSupport;

namespace MlNetMoco.Tests.Persistence;

[Collection(FittedCollection.Name)]
public class ModelFileTests(FittedTransformerFixture fixture)
{
    private readonly MLContext _ml = fixture.MLContext;

    private string SaveFixture(TempDirectory dir)
    {
        string path = dir.File("moco.zip");
        fixture.Transformer.Save(path);
        return path;
    }

    private static void RewriteEntry(string path, string entryName, Func<byte[], byte[]> change)
    {
        using var zip = ZipFile.Open(path, ZipArchiveMode.Update);
        var entry = zip.GetEntry(entryName)!;
        byte[] content;
        using (var s = entry.Open())
        using (var m = new MemoryStream())
        {
            s.CopyTo(m);
            content = m.ToArray();
        }
        entry.Delete();
        using var target = zip.CreateEntry(entryName).Open();
        target.Write(change(content));
    }

    private static void RewriteManifest(string path, Action<JsonObject> change) =>
        RewriteEntry(path, "mlnetmoco-transformer.json", bytes =>
        {
            var json = JsonNode.Parse(bytes)!.AsObject();
            change(json);
            return System.Text.Encoding.UTF8.GetBytes(json.ToJsonString());
        });

    private InvalidDataException LoadError(string path) =>
        Assert.Throws<InvalidDataException>(() => MoCoTransformer.Load(_ml, path, "cpu"));

    [Fact]
    public void Save_then_Load_gives_identical_features_and_settings()
    {
        using var dir = new TempDirectory();
        string path = SaveFixture(dir);
        using var loaded = MoCoTransformer.Load(_ml, path, "cpu");

        var original = fixture.Transformer.Transform(fixture.Data);
        var reloaded = loaded.Transform(fixture.Data);
        Assert.Equal(original.GetColumn<float[]>("Features").ToList(), reloaded.GetColumn<float[]>("Features").ToList());
        Assert.Equal(original.GetColumn<float[]>("Projection").ToList(), reloaded.GetColumn<float[]>("Projection").ToList());
        Assert.Equal(fixture.Transformer.InputShape, loaded.InputShape);
        Assert.Equal((fixture.Transformer.InputColumnName, fixture.Transformer.OutputColumnName, fixture.Transformer.ProjectionColumnName),
            (loaded.InputColumnName, loaded.OutputColumnName, loaded.ProjectionColumnName));
        Assert.Equal((fixture.Transformer.InputScale, fixture.Transformer.TransformBatchSize), (loaded.InputScale, loaded.TransformBatchSize));
        Assert.Equal(fixture.Transformer.Normalization.Mean, loaded.Normalization.Mean);
        Assert.Equal(fixture.Transformer.Normalization.Std, loaded.Normalization.Std);
        Assert.Equal(fixture.Transformer.Backbone, loaded.Backbone);
    }

    [Fact]
    public void The_file_holds_a_readable_configuration_next_to_the_weights()
    {
        using var dir = new TempDirectory();
        string path = SaveFixture(dir);

        using var zip = ZipFile.OpenRead(path);
        Assert.Equal(new[] { "encoder.bin", "mlnetmoco-transformer.json" }, zip.Entries.Select(e => e.FullName).Order());
        using var stream = zip.GetEntry("mlnetmoco-transformer.json")!.Open();
        var json = JsonNode.Parse(stream)!;
        Assert.Equal("MlNetMoco.MoCoTransformer", (string?)json["Format"]);
        Assert.Equal(1, (int)json["FormatVersion"]!);
        Assert.False(string.IsNullOrEmpty((string?)json["LibraryVersion"]));
        Assert.Equal("Pixels", (string?)json["InputColumnName"]);
        Assert.Equal("Features", (string?)json["OutputColumnName"]);
        Assert.Equal(8, (int)json["InputShape"]!["Height"]!);
        Assert.Equal("SmallConvNet", (string?)json["Backbone"]);
        Assert.Single(json["NormalizationMean"]!.AsArray());
        Assert.Equal(8, (int)json["TrainingOptions"]!["BatchSize"]!);
    }

    [Fact]
    public void Save_replaces_an_existing_file_and_leaves_no_temporary_file()
    {
        using var dir = new TempDirectory();
        string path = dir.File("moco.zip");
        File.WriteAllText(path, "old content");

        fixture.Transformer.Save(path);

        using var loaded = MoCoTransformer.Load(_ml, path, "cpu");
        Assert.Equal(new[] { path }, Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void Loading_a_missing_file_says_so()
    {
        using var dir = new TempDirectory();
        var error = Assert.Throws<FileNotFoundException>(() => MoCoTransformer.Load(_ml, dir.File("absent.zip")));
        Assert.Contains("absent.zip", error.Message);
    }

    [Fact]
    public void Loading_a_file_that_is_not_a_zip_says_it_is_not_a_model_file()
    {
        using var dir = new TempDirectory();
        string path = dir.File("random.bin");
        File.WriteAllBytes(path, Enumerable.Range(0, 1000).Select(i => (byte)(i * 7)).ToArray());

        var error = LoadError(path);
        Assert.Contains("random.bin", error.Message);
        Assert.Contains("not an MlNetMoco model file", error.Message);
    }

    [Fact]
    public void Loading_an_MLNET_model_file_says_to_use_Model_Load()
    {
        using var dir = new TempDirectory();
        string path = dir.File("mlnet.zip");
        var model = _ml.Transforms.CopyColumns("Copy", "Label").Fit(fixture.Data);
        _ml.Model.Save(model, fixture.Data.Schema, path);

        var error = LoadError(path);
        Assert.Contains("ML.NET model file", error.Message);
        Assert.Contains("mlContext.Model.Load", error.Message);
    }

    [Fact]
    public void Loading_a_foreign_zip_says_which_entry_is_missing()
    {
        using var dir = new TempDirectory();
        string path = dir.File("other.zip");
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        using (var w = new StreamWriter(zip.CreateEntry("readme.txt").Open()))
            w.Write("hello");

        Assert.Contains("no 'mlnetmoco-transformer.json' entry", LoadError(path).Message);
    }

    [Fact]
    public void Loading_a_file_of_a_newer_format_version_asks_for_an_upgrade()
    {
        using var dir = new TempDirectory();
        string path = SaveFixture(dir);
        RewriteManifest(path, json =>
        {
            json["FormatVersion"] = 99;
            json["LibraryVersion"] = "9.9.9";
        });

        var error = LoadError(path);
        Assert.Contains("written by MlNetMoco 9.9.9 in format version 99", error.Message);
        Assert.Contains("Upgrade MlNetMoco", error.Message);
    }

    [Fact]
    public void Loading_a_file_of_another_format_says_so()
    {
        using var dir = new TempDirectory();
        string path = SaveFixture(dir);
        RewriteManifest(path, json => json["Format"] = "Something.Else");

        Assert.Contains("format 'Something.Else', expected 'MlNetMoco.MoCoTransformer'", LoadError(path).Message);
    }

    [Fact]
    public void Loading_a_file_with_a_corrupt_configuration_says_so()
    {
        using var dir = new TempDirectory();
        string path = SaveFixture(dir);
        RewriteEntry(path, "mlnetmoco-transformer.json", bytes => bytes[..(bytes.Length / 2)]);

        Assert.Contains("is not valid JSON", LoadError(path).Message);
    }

    [Fact]
    public void Loading_a_file_with_a_missing_setting_says_which()
    {
        using var dir = new TempDirectory();
        string path = SaveFixture(dir);
        RewriteManifest(path, json => json.Remove("InputShape"));

        Assert.Contains("the input shape is missing", LoadError(path).Message);
    }

    [Fact]
    public void Loading_a_file_with_truncated_weights_says_the_encoder_is_corrupt()
    {
        using var dir = new TempDirectory();
        string path = SaveFixture(dir);
        RewriteEntry(path, "encoder.bin", bytes => bytes[..(bytes.Length - 100)]);

        var error = LoadError(path);
        Assert.Contains("encoder in the model file is corrupt", error.Message);
    }
}
