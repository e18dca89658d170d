using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Data;
using MlNetMoco.Core.Methods;
using MlNetMoco.Core.Training;
using static MlNetMoco.Core.Tests.Training.TrainerTests;

namespace MlNetMoco.Core.Tests.Training;

/// <summary>The one loop on its supervised path (<see cref="SupervisedMethodOptions"/>): baseline and fine-tuning.</summary>
public class SupervisedTrainingTests
{
    /// <summary>Class 0: horizontal stripes; class 1: vertical stripes (orientation survives crops and flips).</summary>
    private static (InMemoryImageDataset Images, int[] Labels) Stripes(int count)
    {
        var data = new InMemoryImageDataset(new ImageShape(1, 12, 12));
        var labels = new int[count];
        var random = new Random(4);
        var pixels = new float[144];
        for (int n = 0; n < count; n++)
        {
            labels[n] = n % 2;
            double phase = random.NextDouble() * 6;
            for (int y = 0; y < 12; y++)
                for (int x = 0; x < 12; x++)
                    pixels[y * 12 + x] = (float)(0.5 + 0.5 * Math.Sin((labels[n] == 0 ? y : x) * 1.3 + phase));
            data.Add(pixels);
        }
        return (data, labels);
    }

    private static readonly TrainingOptions Options = TrainingOptions.Supervised(new BackboneSpec(BackboneKind.SmallConvNet, 1)) with
    {
        Epochs = 8, BatchSize = 16, Device = "cpu", Seed = 1,
    };

    [Fact]
    public void Learns_a_separable_task_and_outputs_logits_as_projections()
    {
        var (images, labels) = Stripes(64);
        using var result = Run(images, Options, labels: labels);
        var encoder = result.Encoder;
        Assert.Equal(2, encoder.ProjectionDim);
        Assert.Equal("Supervised", encoder.Description.Metadata["method"]);

        var pixels = new float[64 * 144];
        images.CopyImages(Enumerable.Range(0, 64).ToArray(), pixels);
        var features = new float[64 * encoder.FeatureDim];
        var logits = new float[64 * 2];
        encoder.Extract(pixels, 64, features, logits);
        int correct = Enumerable.Range(0, 64).Count(i => (logits[2 * i + 1] > logits[2 * i] ? 1 : 0) == labels[i]);
        Assert.True(correct >= 58, $"{correct}/64 correct");
        Assert.True(result.History[^1].ContrastiveAccuracy > 0.8, $"training accuracy {result.History[^1].ContrastiveAccuracy}");
    }

    [Fact]
    public void Fine_tuning_starts_from_the_pretrained_backbone()
    {
        var (images, labels) = Stripes(32);
        using var pretrained = Run(images, Options with { Epochs = 1 }, labels: labels);
        using var tuned = new Trainer(Options with { Epochs = 1, BaseLearningRate = 1e-9 }) { InitializeFrom = pretrained.Encoder }.Run(images, labels);
        string first = pretrained.Encoder.Network.state_dict().Keys.First(k => k.EndsWith("weight", StringComparison.Ordinal));
        var a = pretrained.Encoder.Network.state_dict()[first];
        var b = tuned.Encoder.Network.state_dict()[first];
        Assert.True(a.allclose(b, 1e-5, 1e-6), first);
    }

    [Fact]
    public void Head_only_epochs_train_the_classifier_alone_and_then_the_whole_network()
    {
        // LP-FT: during HeadOnlyEpochs the backbone gets no gradient and its BatchNorm statistics stay those of the
        // start; from then on the backbone trains too.
        using var method = new SupervisedClassifier(new BackboneSpec(BackboneKind.SmallConvNet, 1), 2, TorchSharp.torch.CPU,
            new TorchSharp.torch.Generator(3), headOnlyEpochs: 2);
        method.train();
        using var x = TorchSharp.torch.rand(8, 1, 12, 12, generator: new TorchSharp.torch.Generator(5));
        using var y = TorchSharp.torch.tensor(new long[] { 0, 1, 0, 1, 0, 1, 0, 1 });
        using var indices = TorchSharp.torch.arange(8);
        var parameters = method.OnlineEncoder.named_parameters().ToArray();
        var runningMean = method.OnlineEncoder.named_buffers().First(b => b.name.EndsWith("running_mean", StringComparison.Ordinal));
        using var meanBefore = runningMean.buffer.clone();

        for (int epoch = 0; epoch < 3; epoch++)
        {
            foreach (var (_, p) in parameters) { using var g = p.grad; if (g is not null) p.grad = null; }
            var output = method.Step(new MethodBatch([x], indices, y, new TrainingPosition(epoch, 0, 1, 3, epoch), new TorchSharp.torch.Generator(1)));
            output.Loss.backward();
            output.Loss.Dispose();
            bool headOnly = epoch < 2;
            foreach (var (name, p) in parameters)
            {
                bool head = name.StartsWith("fc", StringComparison.Ordinal);
                Assert.True(head ? p.grad is not null : headOnly == (p.grad is null), $"{name} at epoch {epoch}: gradient {(p.grad is null ? "none" : "present")}");
            }
            Assert.Equal(headOnly, runningMean.buffer.allclose(meanBefore));
        }
        Assert.Throws<ArgumentException>(() => new SupervisedMethodOptions { HeadOnlyEpochs = 3 }.Validate(Options with { Epochs = 3 }));
        Assert.Throws<ArgumentException>(() => new SupervisedMethodOptions { HeadOnlyEpochs = -1 }.Validate(Options));
    }

    [Fact]
    public void The_last_partial_batch_is_kept_when_it_has_two_images_or_more()
    {
        var (images, labels) = Stripes(20);
        var steps = new List<(int Step, int Of)>();
        using (Run(images, Options with { Epochs = 1 }, new SyncProgress(p => { if (!p.EndOfEpoch) steps.Add((p.Step, p.StepsPerEpoch)); }), labels: labels)) { }
        Assert.Equal(new[] { (0, 2), (1, 2) }, steps);

        var (seventeen, labels17) = Stripes(17);
        steps.Clear();
        using (Run(seventeen, Options with { Epochs = 1 }, new SyncProgress(p => { if (!p.EndOfEpoch) steps.Add((p.Step, p.StepsPerEpoch)); }), labels: labels17)) { }
        Assert.Equal(new[] { (0, 1) }, steps); // a single leftover image is dropped (BatchNorm needs two)
    }

    [Fact]
    public void Resuming_supervised_training_from_a_mid_epoch_checkpoint_continues_exactly()
    {
        var (images, labels) = Stripes(40); // 3 steps per epoch: 16, 16, 8
        string dir = Directory.CreateTempSubdirectory("mlnetmoco-resume-supervised").FullName;
        try
        {
            var options = Options with { Epochs = 3, CheckpointDirectory = dir, CheckpointEveryEpochs = 1 };
            var uninterrupted = StepLosses(images, options with { CheckpointDirectory = null }, labels: labels);
            var firstPart = StepLosses(images, options, p => p.Epoch == 1 && p.Step == 2, labels);
            var secondPart = StepLosses(images, options with { ResumeFrom = Path.Combine(dir, "checkpoint-last.mlnmckpt") }, labels: labels);
            Assert.Equal(9, uninterrupted.Count);
            Assert.Equal(uninterrupted, firstPart.Concat(secondPart));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void Missing_or_mismatched_labels_are_refused_before_training()
    {
        var (images, _) = Stripes(8);
        Assert.Contains("needs a label per image", Assert.Throws<ArgumentException>(() => Run(images, Options)).Message);
        Assert.Contains("8 images but 3 labels", Assert.Throws<ArgumentException>(() => Run(images, Options, labels: new int[3])).Message);
        Assert.Contains("0-based", Assert.Throws<ArgumentException>(() => Run(images, Options, labels: Enumerable.Repeat(-1, 8).ToArray())).Message);
        var tooFew = Options with { Method = new SupervisedMethodOptions { Classes = 1 } };
        Assert.Contains("Method.Classes = 1", Assert.Throws<ArgumentException>(() => Run(images, tooFew, labels: Enumerable.Range(0, 8).Select(i => i % 2).ToArray())).Message);
    }

    [Fact]
    public void Fine_tuning_a_ViT_starts_from_it_and_keeps_its_patch_projection_frozen()
    {
        var (images, labels) = Stripes(32);
        var vit = Options with { Backbone = new BackboneSpec(BackboneKind.VitTiny, 1), Epochs = 1 };
        using var pretrained = Run(images, vit, labels: labels);
        Assert.Equal((4, 12), (pretrained.Encoder.Backbone.PatchSize, pretrained.Encoder.Backbone.ImageSize));
        using var tuned = new Trainer(vit) { InitializeFrom = pretrained.Encoder }.Run(images, labels);
        var before = pretrained.Encoder.Network.state_dict();
        var after = tuned.Encoder.Network.state_dict();
        Assert.True(after["patch_embed.proj.weight"].eq(before["patch_embed.proj.weight"]).all().item<bool>(), "the patch projection was trained");
        Assert.True(after["pos_embed"].eq(before["pos_embed"]).all().item<bool>());
        Assert.False(after["blocks.0.mlp.fc1.weight"].eq(before["blocks.0.mlp.fc1.weight"]).all().item<bool>(), "fine-tuning changed nothing");
    }
}
