using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Data;
using MlNetMoco.Core.Interop;
using MlNetMoco.Core.Tests.Inference;
using TorchSharp;

namespace MlNetMoco.Core.Tests.Interop;

public class EncoderSafeTensorsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mlnetmoco-enc-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string PathOf(string name) => Path.Combine(_folder, name);

    [Fact]
    public void An_encoder_round_trips_through_safetensors_with_identical_features()
    {
        using var encoder = EncoderTestData.Encoder(seed: 21);
        string path = PathOf("encoder.safetensors");
        EncoderSafeTensors.Save(encoder, path);

        var metadata = SafeTensors.ReadMetadata(path);
        Assert.Equal("pt", metadata["format"]);
        Assert.Equal("2", metadata[EncoderSafeTensors.VersionKey]);
        Assert.Equal("SmallConvNet", metadata[EncoderSafeTensors.ArchitectureKey]);
        using (var raw = SafeTensors.Read(path))
            Assert.Equal(encoder.Network.state_dict().Keys, raw.Tensors.Select(t => t.Name)); // torchvision-style names, as-is

        using var loaded = EncoderSafeTensors.Load(path, "cpu");
        Assert.Equal(encoder.Description, loaded.Description);
        var pixels = EncoderTestData.Images(5);
        var (f1, p1) = EncoderTestData.Extract(encoder, pixels);
        var (f2, p2) = EncoderTestData.Extract(loaded, pixels);
        Assert.Equal(f1, f2);
        Assert.Equal(p1, p2);
    }

    [Fact]
    public void Old_encoder_files_and_safetensors_both_open_through_EncoderFiles()
    {
        using var encoder = EncoderTestData.Encoder(seed: 22);
        string old = PathOf("encoder.mlnetmoco");
        using (var file = File.Create(old)) encoder.Save(file);
        string modern = PathOf("encoder.safetensors");
        EncoderSafeTensors.Save(encoder, modern);
        var pixels = EncoderTestData.Images(3);
        var expected = EncoderTestData.Extract(encoder, pixels).Features;
        foreach (string path in new[] { old, modern })
        {
            using var loaded = EncoderFiles.Load(path, "cpu");
            Assert.Equal(expected, EncoderTestData.Extract(loaded, pixels).Features);
        }
        string other = PathOf("plain.safetensors");
        SafeTensors.Write(other, encoder.Network.state_dict().Select(kv => (kv.Key, kv.Value)).ToList());
        var e = Assert.Throws<InvalidDataException>(() => EncoderFiles.Load(other, "cpu"));
        Assert.Contains("has no MlNetMoco encoder description", e.Message);
        Assert.Contains("PretrainedEncoder.Create", e.Message);
    }

    [Fact]
    public void A_file_whose_tensors_do_not_match_its_description_is_refused_by_name()
    {
        using var encoder = EncoderTestData.Encoder(seed: 23);
        string path = PathOf("bad.safetensors");
        var metadata = new Dictionary<string, string> { [EncoderSafeTensors.DescriptionKey] = encoder.Description.ToJson() };
        SafeTensors.Write(path, encoder.Network.state_dict().Where(kv => kv.Key != "fc.2.bias").Select(kv => (kv.Key, kv.Value)).ToList(), metadata);
        var e = Assert.Throws<InvalidDataException>(() => EncoderSafeTensors.Load(path, "cpu"));
        Assert.Contains("lacks tensor 'fc.2.bias'", e.Message);

        metadata[EncoderSafeTensors.VersionKey] = "9";
        SafeTensors.Write(path, encoder.Network.state_dict().Select(kv => (kv.Key, kv.Value)).ToList(), metadata);
        Assert.Contains("encoder format version '9'", Assert.Throws<InvalidDataException>(() => EncoderSafeTensors.Load(path, "cpu")).Message);
    }

    [Fact]
    public void Plain_weights_become_an_encoder_given_the_input_shape_and_normalisation()
    {
        using var encoder = EncoderTestData.Encoder(seed: 24);
        string path = PathOf("plain.safetensors");
        InteropTestData.WriteSafeTensors(path, encoder.Network, "module.encoder_q.");
        using var imported = PretrainedEncoder.Create(path, EncoderTestData.Shape, encoder.Normalization, "cpu");
        Assert.Equal(encoder.Backbone, imported.Backbone);
        Assert.Equal(encoder.ProjectionDim, imported.ProjectionDim);
        Assert.StartsWith("loaded an MLP fc head", imported.Description.Metadata[PretrainedEncoder.HeadKey]);
        Assert.Contains("encoder under 'module.encoder_q.'", imported.Description.Metadata[PretrainedEncoder.SourceKey]);
        var pixels = EncoderTestData.Images(4);
        var (f1, p1) = EncoderTestData.Extract(encoder, pixels);
        var (f2, p2) = EncoderTestData.Extract(imported, pixels);
        Assert.Equal(f1, f2);
        Assert.Equal(p1, p2);

        var e = Assert.Throws<ArgumentException>(() => PretrainedEncoder.Create(path, new ImageShape(3, 8, 8), device: "cpu"));
        Assert.Contains("has 3 channel(s), but the weights", e.Message);
    }

    [Fact]
    public void A_head_that_cannot_be_rebuilt_is_replaced_and_recorded()
    {
        using var network = InteropTestData.Network(new BackboneSpec(BackboneKind.SmallConvNet, 1), seed: 25, projectionDim: null);
        string path = PathOf("nohead.safetensors");
        InteropTestData.WriteSafeTensors(path, network, "");
        using var imported = PretrainedEncoder.Create(path, EncoderTestData.Shape, new ImageNormalization([0.5f], [0.25f]), "cpu");
        Assert.Equal(PretrainedEncoder.FallbackProjectionDim, imported.ProjectionDim);
        Assert.StartsWith("not imported (the file has no fc head)", imported.Description.Metadata[PretrainedEncoder.HeadKey]);
        InteropTestData.AssertSameWeights(network, imported.Network, trunkOnly: true);
    }

    [Fact]
    public void Imported_weights_start_supervised_fine_tuning()
    {
        using var encoder = EncoderTestData.Encoder(seed: 26);
        string path = PathOf("start.safetensors");
        InteropTestData.WriteSafeTensors(path, encoder.Network, "module.encoder_q.");
        using var start = PretrainedEncoder.Create(path, EncoderTestData.Shape, encoder.Normalization, "cpu");
        var images = new InMemoryImageDataset(EncoderTestData.Shape);
        var pixels = EncoderTestData.Images(16);
        for (int i = 0; i < 16; i++) images.Add(pixels.AsSpan(i * EncoderTestData.Shape.Size, EncoderTestData.Shape.Size));
        var options = MlNetMoco.Core.Training.TrainingOptions.Supervised(start.Backbone) with { Epochs = 1, BatchSize = 8, Device = "cpu", Seed = 1 };
        using var tuned = new MlNetMoco.Core.Training.Trainer(options) { InitializeFrom = start }
            .Run(images, Enumerable.Range(0, 16).Select(i => i % 2).ToArray(), encoder.Normalization).Encoder;
        // Two SGD steps from the imported weights stay far closer to them than a fresh initialisation is.
        using var fresh = InteropTestData.Network(start.Backbone, seed: 27, projectionDim: null);
        var imported = start.Network.state_dict()["layer2.conv.weight"];
        float moved = InteropTestData.MaxAbsDiff(tuned.Network.state_dict()["layer2.conv.weight"], imported);
        float random = InteropTestData.MaxAbsDiff(fresh.state_dict()["layer2.conv.weight"], imported);
        Assert.True(moved < random / 10, $"fine-tuning moved the imported weights by {moved}, a fresh network differs by {random}");
    }
}
