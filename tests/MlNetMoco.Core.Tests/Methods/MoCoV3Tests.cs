using MlNetMoco.Core.Augmentations;
using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Data;
using MlNetMoco.Core.Heads;
using MlNetMoco.Core.Inference;
using MlNetMoco.Core.Methods;
using MlNetMoco.Core.Optimization;
using MlNetMoco.Core.Tests.Training;
using MlNetMoco.Core.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Tests.Methods;

/// <summary><see cref="MoCoV3"/> against the MoCo v3 paper (Chen, Xie, He 2021, Algorithm 1) and what it promises.</summary>
public class MoCoV3Tests
{
    private const int N = 6, Out = 8, Hidden = 16;
    private const double T = 0.5, M0 = 0.9;

    private static readonly BackboneSpec Conv = new(BackboneKind.SmallConvNet, 1);

    private static MoCoV3 Build(double temperature = T)
    {
        using var generator = new Generator(5);
        var options = new MoCoV3MethodOptions { ProjectionDim = Out, HiddenDim = Hidden };
        var projector = options.ProjectorFor(256);
        var method = new MoCoV3(Conv, projector, options.PredictorFor(Out), M0, cosineMomentum: true, temperature, CPU, generator);
        method.train();
        return method;
    }

    private static MethodBatch Batch(int seed, long globalStep = 0)
    {
        var g = new Generator((ulong)seed);
        var views = new[] { rand(new long[] { N, 1, 8, 8 }, generator: g), rand(new long[] { N, 1, 8, 8 }, generator: g) };
        return new MethodBatch(views, arange(N, ScalarType.Int64), null, new TrainingPosition(0, (int)globalStep, 10, 1, globalStep), new Generator((ulong)seed + 9));
    }

    /// <summary>ctr(q, k) of Algorithm 1, one query at a time in float64: 2τ · mean over i of −log softmax_j(qᵢ·kⱼ/τ)ᵢ.</summary>
    private static double NaiveCtr(Tensor q, Tensor k, double tau)
    {
        q = nn.functional.normalize(q.to(ScalarType.Float64), dim: 1);
        k = nn.functional.normalize(k.to(ScalarType.Float64), dim: 1);
        long n = q.shape[0];
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            var logits = new double[n];
            for (int j = 0; j < n; j++) logits[j] = (q[i] * k[j]).sum().item<double>() / tau;
            double max = logits.Max();
            double logSumExp = max + Math.Log(logits.Sum(l => Math.Exp(l - max)));
            sum += logSumExp - logits[i];
        }
        return 2 * tau * sum / n;
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(1.0)]
    public void The_loss_is_the_symmetrised_contrastive_loss_of_the_paper(double tau)
    {
        using var method = Build(tau);
        using var scope = NewDisposeScope();
        var batch = Batch(1);
        var output = method.Step(batch);

        // Recomputed in train mode (BatchNorm on batch statistics, as in the step): the predictor on the queries
        // only, the keys straight from the momentum encoder.
        using var noGrad = no_grad();
        var q1 = method.Predictor.call(method.OnlineEncoder.call(batch.Views[0]));
        var q2 = method.Predictor.call(method.OnlineEncoder.call(batch.Views[1]));
        var k1 = method.MomentumEncoder.call(batch.Views[0]);
        var k2 = method.MomentumEncoder.call(batch.Views[1]);
        double naive = NaiveCtr(q1, k2, tau) + NaiveCtr(q2, k1, tau);
        Assert.Equal(naive, output.Loss.item<float>(), 4);
        Assert.InRange(output.Accuracy, 0, 1);
        Assert.Equal(new long[] { N, Out }, output.Embeddings!.shape);
    }

    [Fact]
    public void The_momentum_encoder_gets_no_gradient_and_the_query_side_does()
    {
        using var method = Build();
        using var scope = NewDisposeScope();
        var output = method.Step(Batch(2));
        output.Loss.backward();
        Assert.All(method.MomentumEncoder.parameters(), p => { Assert.False(p.requires_grad); Assert.Null(p.grad); });
        Assert.All(method.OnlineEncoder.parameters(), p => Assert.NotNull(p.grad));
        Assert.All(method.Predictor.parameters(), p => Assert.True(p.grad is { } g && g.abs().sum().item<float>() > 0));
        var trained = method.TrainableParameters().SelectMany(g => g.Parameters).Select(p => p.Name).ToList();
        Assert.DoesNotContain(trained, n => n.StartsWith("momentum_encoder.", StringComparison.Ordinal));
        Assert.Contains(trained, n => n.StartsWith("predictor.", StringComparison.Ordinal));
    }

    [Fact]
    public void The_predictor_is_on_the_query_side_only()
    {
        using var method = Build();
        var names = method.state_dict().Keys.ToList();
        Assert.Contains(names, n => n.StartsWith("predictor.", StringComparison.Ordinal));
        Assert.DoesNotContain(names, n => n.StartsWith("momentum_encoder.", StringComparison.Ordinal) && n.Contains("predictor", StringComparison.Ordinal));
        Assert.Equal(
            method.OnlineEncoder.state_dict().Keys.Select(k => "momentum_encoder." + k).Order(),
            names.Where(n => n.StartsWith("momentum_encoder.", StringComparison.Ordinal)).Order());

        // Changing the predictor changes the loss only through the queries: the keys are the momentum encoder's own.
        // (Noise, not a scale: the BatchNorm after each linear layer and the L2 normalisation undo a scale.)
        using var scope = NewDisposeScope();
        var batch = Batch(3);
        var keysBefore = method.MomentumEncoder.call(batch.Views[1]).detach();
        double lossBefore = method.Step(batch).Loss.item<float>();
        using (no_grad())
            foreach (var p in method.Predictor.parameters()) p.add_(randn_like(p), HeldScalarsForTests.One);
        var keysAfter = method.MomentumEncoder.call(batch.Views[1]).detach();
        Assert.True(keysBefore.allclose(keysAfter));
        Assert.NotEqual(lossBefore, method.Step(batch).Loss.item<float>(), 5);
    }

    [Fact]
    public void The_momentum_schedule_rises_from_m0_to_one_on_a_half_cosine()
    {
        Assert.Equal(0.99, MoCoV3.MomentumAt(0, 0.99), 12);
        Assert.Equal(1.0, MoCoV3.MomentumAt(1, 0.99), 12);
        Assert.Equal(0.995, MoCoV3.MomentumAt(0.5, 0.99), 12);
        Assert.Equal(1 - 0.01 * (1 + Math.Cos(Math.PI * 0.25)) / 2, MoCoV3.MomentumAt(0.25, 0.99), 12);
        double previous = 0;
        for (int i = 0; i <= 100; i++)
        {
            double m = MoCoV3.MomentumAt(i / 100.0, 0.99);
            Assert.True(m >= previous, $"not rising at {i}");
            previous = m;
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    [InlineData(9)]
    public void The_momentum_encoder_follows_the_EMA_with_the_scheduled_momentum(int globalStep)
    {
        using var method = Build();
        using var scope = NewDisposeScope();
        // An optimizer step moves the base encoder away from the momentum encoder.
        using (no_grad())
            foreach (var p in method.OnlineEncoder.parameters()) p.add_(randn_like(p), HeldScalarsForTests.One);
        var before = method.MomentumEncoder.parameters().Select(p => p.detach().clone()).ToList();
        var source = method.OnlineEncoder.parameters().Select(p => p.detach().clone()).ToList();

        var position = new TrainingPosition(0, globalStep, 10, 1, globalStep); // 10 steps in all
        method.AfterOptimizerStep(position);

        double m = 1 - (1 - M0) * (1 + Math.Cos(Math.PI * (globalStep + 1) / 10.0)) / 2;
        Assert.Equal(m, method.CurrentMomentum, 12);
        var after = method.MomentumEncoder.parameters().ToList();
        for (int i = 0; i < after.Count; i++)
        {
            var expected = before[i] * m + source[i] * (1 - m);
            Assert.True(after[i].allclose(expected, rtol: 1e-5, atol: 1e-6), $"parameter {i}");
        }
        if (globalStep == 9)
        {
            // The last step: m = 1, the momentum encoder stays where it is.
            Assert.Equal(1.0, method.CurrentMomentum, 12);
            Assert.All(after.Zip(before), pair => Assert.True(pair.First.eq(pair.Second).all().item<bool>()));
        }
    }

    internal static TrainingOptions Small(BackboneSpec backbone, int epochs) =>
        TrainingOptions.MoCoV3(backbone, epochs) with
        {
            // Milder crops and no blur: 8 % crops of 16-pixel images, blurred, leave little to learn from in 24 steps.
            Method = new MoCoV3MethodOptions
            {
                ProjectionDim = 32, HiddenDim = 64,
                FirstView = new ViewAugmentation { Preset = AugmentationPreset.MoCoV3View1, CropScaleMin = 0.5, GaussianBlur = false },
                SecondView = new ViewAugmentation { Preset = AugmentationPreset.MoCoV3View2, CropScaleMin = 0.5, GaussianBlur = false },
            },
            BatchSize = 16,
            // LARS moves each weight by about lr·η of its norm per step: the paper's rate at its batch of 4096 (9.6),
            // halved, rather than 0.6·16/256, under which 24 steps barely move.
            BaseLearningRate = 4.8,
            ScaleLearningRate = false,
            Device = "cpu",
            Seed = 7,
        };

    [Theory]
    [InlineData(BackboneKind.SmallConvNet, 8, OptimizerKind.Lars, 1.0)]
    [InlineData(BackboneKind.SmallConvNet, 8, OptimizerKind.AdamW, 0.2)]
    [InlineData(BackboneKind.ResNet18, 2, OptimizerKind.Lars, 1.0)]
    public void It_trains_in_the_loop_with_a_finite_falling_loss(BackboneKind kind, int epochs, OptimizerKind optimizer, double temperature)
    {
        var data = TrainerTests.DistinctImages(48);
        var backbone = new BackboneSpec(kind, 1, SmallImageStem: true);
        var options = Small(backbone, epochs);
        Assert.Equal(OptimizerKind.Lars, options.Optimizer.Kind);
        options = options with { Method = ((MoCoV3MethodOptions)options.Method) with { Temperature = temperature } };
        if (optimizer == OptimizerKind.AdamW)
            options = options with { Optimizer = new OptimizerOptions { Kind = optimizer, WeightDecay = MoCoV3Defaults.AdamWWeightDecay }, BaseLearningRate = 1e-3 };
        var losses = TrainerTests.StepLosses(data, options);
        Assert.Equal(3 * epochs, losses.Count);
        Assert.All(losses, l => Assert.True(double.IsFinite(l)));
        if (kind == BackboneKind.SmallConvNet)
            Assert.True(losses.TakeLast(3).Average() < losses.Take(3).Average(), $"loss {string.Join(", ", losses.Select(l => l.ToString("F3")))}");
        Assert.Equal(options.Method, TrainingOptionsJson.Deserialize(TrainingOptionsJson.Serialize(options)).Method);
    }

    [Fact]
    public void Resuming_from_a_mid_epoch_checkpoint_continues_exactly()
    {
        var data = TrainerTests.DistinctImages(48);
        string dir = Directory.CreateTempSubdirectory("mlnetmoco-v3-resume").FullName;
        try
        {
            var options = Small(Conv, 3) with { CheckpointDirectory = dir, CheckpointEveryEpochs = 1 };
            var uninterrupted = TrainerTests.StepLosses(data, options with { CheckpointDirectory = null });
            var firstPart = TrainerTests.StepLosses(data, options, p => p.Epoch == 1 && p.Step == 1);
            var secondPart = TrainerTests.StepLosses(data, options with { ResumeFrom = Path.Combine(dir, "checkpoint-last.mlnmckpt") });
            Assert.Equal(uninterrupted, firstPart.Concat(secondPart));
            var fromEpoch = TrainerTests.StepLosses(data, options with { ResumeFrom = Path.Combine(dir, "checkpoint-epoch0001.mlnmckpt") });
            Assert.Equal(uninterrupted.Skip(3), fromEpoch);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void The_encoder_file_saves_and_loads_the_v3_encoder()
    {
        var data = TrainerTests.DistinctImages(32);
        using var result = TrainerTests.Run(data, Small(Conv, 1));
        var encoder = result.Encoder;
        Assert.Equal(32, encoder.ProjectionDim);
        Assert.Contains(encoder.Description.Head!.Layers, l => l is BatchNorm1dLayer { Affine: false });
        var pixels = new float[4 * 16 * 16];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (i % 17) / 16f;
        var features = new float[4 * encoder.FeatureDim];
        var projections = new float[4 * encoder.ProjectionDim];
        encoder.Extract(pixels, 4, features, projections);

        using var stream = new MemoryStream();
        encoder.Save(stream);
        stream.Position = 0;
        using var loaded = TrainedEncoder.Load(stream, "cpu");
        var features2 = new float[features.Length];
        var projections2 = new float[projections.Length];
        loaded.Extract(pixels, 4, features2, projections2);
        Assert.Equal(features, features2);
        Assert.Equal(projections, projections2);
        Assert.Equal(encoder.Description.Head, loaded.Description.Head);
    }
}

/// <summary>Scalars held by the tests (no temporaries in tensor calls).</summary>
internal static class HeldScalarsForTests
{
    public static readonly Scalar One = 1.0.ToScalar();
}
