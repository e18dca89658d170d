using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Checkpoints;
using MlNetMoco.Core.Data;
using MlNetMoco.Core.Interop;
using MlNetMoco.Core.Methods;
using MlNetMoco.Core.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Tests.Interop;

public class CheckpointSafeTensorsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mlnetmoco-ckpt-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Checkpoint()
    {
        // One real epoch of MoCo v2 through the loop: the checkpoint holds both encoders, the queue and the optimizer state.
        var shape = new ImageShape(1, 8, 8);
        var images = new InMemoryImageDataset(shape);
        var random = new Random(31);
        for (int i = 0; i < 16; i++) images.Add(Enumerable.Range(0, shape.Size).Select(_ => (float)random.NextDouble()).ToArray());
        var options = new TrainingOptions
        {
            Method = new MoCoMethodOptions { ProjectionDim = 8, QueueSize = 8, EncoderMomentum = 0.99, BatchNormSplits = 1 },
            Backbone = new BackboneSpec(BackboneKind.SmallConvNet, 1),
            Epochs = 1, BatchSize = 4, Device = "cpu", Seed = 31, CheckpointDirectory = _folder,
        };
        using var result = new Trainer(options).Run(images);
        return Path.Combine(_folder, "checkpoint-last.mlnmckpt");
    }

    [Fact]
    public void A_checkpoint_exports_to_safetensors_and_reads_back_unchanged()
    {
        string path = Checkpoint();
        string exported = Path.Combine(_folder, "checkpoint.safetensors");
        CheckpointSafeTensors.Export(path, exported);

        using var original = CheckpointFile.Load(path);
        using var back = CheckpointSafeTensors.Read(exported);
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(original.Header), System.Text.Json.JsonSerializer.Serialize(back.Header));
        Assert.Equal(original.Model.Select(t => t.Name), back.Model.Select(t => t.Name));
        Assert.NotEmpty(back.OptimizerState);
        Assert.Equal(original.OptimizerState, back.OptimizerState);
        foreach (var ((_, a), (_, b)) in original.Model.Zip(back.Model))
            Assert.True(SafeTensorsTests.Same(a, b));
        Assert.Contains(back.Model, t => t.Name == "queue");
        Assert.Equal("1", SafeTensors.ReadMetadata(exported)["epoch"]);
    }

    [Fact]
    public void The_query_encoder_of_a_checkpoint_imports_from_either_file()
    {
        string path = Checkpoint();
        string exported = Path.Combine(_folder, "checkpoint.safetensors");
        CheckpointSafeTensors.Export(path, exported);
        using var original = CheckpointFile.Load(path);
        foreach (string file in new[] { path, exported })
        {
            using var weights = StateDictImport.Read(file);
            Assert.Equal(StateDictLayout.MoCo, weights.Layout);
            Assert.Equal("encoder_q.", weights.Prefix);
            Assert.Contains("'encoder_k.*' (", weights.Ignored[0]);
            foreach (var (name, tensor) in weights.Tensors.Tensors)
                Assert.True(SafeTensorsTests.Same(tensor, original.Model.Single(t => t.Name == "encoder_q." + name).Tensor), name);
        }
    }

    [Fact]
    public void A_safetensors_file_without_a_checkpoint_header_is_refused()
    {
        string path = Path.Combine(_folder, "plain.safetensors");
        SafeTensors.Write(path, [("a", ones(2))]);
        var e = Assert.Throws<InvalidDataException>(() => CheckpointSafeTensors.Read(path));
        Assert.Contains($"no '{CheckpointSafeTensors.HeaderKey}'", e.Message);
    }
}
