using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Checkpoints;
using MlNetMoco.Core.Data;
using MlNetMoco.Core.Interop;
using MlNetMoco.Core.Methods;
using MlNetMoco.Core.Optimization;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Tests.Interop;

public class CheckpointSafeTensorsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mlnetmoco-ckpt-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Checkpoint()
    {
        var spec = new BackboneSpec(BackboneKind.SmallConvNet, 1);
        torch.manual_seed(31);
        using var moco = new MoCo(MoCoVersion.V2, spec, projectionDim: 8, queueSize: 16, momentum: 0.99, temperature: 0.2, CPU);
        var sgd = new Sgd(moco.OnlineEncoder.named_parameters().Select(p => (p.name, p.parameter)), momentum: 0.9, weightDecay: 1e-4) { LearningRate = 0.1 };
        using (var scope = NewDisposeScope())
        {
            var generator = new Generator(5);
            var view1 = rand(new long[] { 4, 1, 8, 8 }, generator: generator);
            var view2 = rand(new long[] { 4, 1, 8, 8 }, generator: generator);
            var output = moco.Step(view1, view2, generator);
            output.Loss.backward();
            sgd.Step(); // fills the momentum buffers and moves the queue pointer
        }
        var header = new CheckpointHeader
        {
            Method = moco.Name, Epoch = 1, StepInEpoch = 0, GlobalStep = 1, OptionsJson = "{}", InputShape = new ImageShape(1, 8, 8),
            Normalization = new ImageNormalization([0.5f], [0.25f]), QueueSize = 16, Reason = "end",
        };
        string path = Path.Combine(_folder, "checkpoint.mlnmckpt");
        CheckpointFile.Save(path, header, moco, sgd);
        return path;
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
        Assert.Equal(original.Optimizer.Select(t => t.Name), back.Optimizer.Select(t => t.Name));
        Assert.NotEmpty(back.Optimizer);
        foreach (var ((_, a), (_, b)) in original.Model.Zip(back.Model).Concat(original.Optimizer.Zip(back.Optimizer)))
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
