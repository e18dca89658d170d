using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Data;
using MlNetMoco.Core.Inference;
using MlNetMoco.Core.Methods;
using MlNetMoco.Core.Optimization;
using MlNetMoco.Core.Tests.Training;
using MlNetMoco.Core.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Tests.Methods;

/// <summary>
/// MoCo v3 with a ViT backbone (Chen, Xie, He 2021): the paper's ViT recipe (AdamW, T = 0.2), a training step that
/// moves the trunk and the momentum encoder but never the frozen patch projection, the loop with resolved sizes,
/// encoder files and resume; MoCo v2 takes the ViT too.
/// </summary>
public class MoCoV3VitTests
{
    private static readonly BackboneSpec Vit = new BackboneSpec(BackboneKind.VitTiny, 1).ForImages(new ImageShape(1, 16, 16));

    private static Tensor Copy(Tensor t) => t.detach().clone();

    [Fact]
    public void A_step_moves_the_trunk_and_the_momentum_encoder_but_not_the_patch_projection()
    {
        var settings = new MoCoV3MethodOptions { ProjectionDim = 16, HiddenDim = 32 };
        using var generator = new Generator(5);
        using var method = new MoCoV3(Vit, settings.ProjectorFor(192), settings.PredictorFor(16), 0.9, cosineMomentum: true,
            MoCoV3Defaults.TemperatureViT, CPU, generator);
        method.train();
        using var optimizer = TrainingOptimizer.Create(new OptimizerOptions { Kind = OptimizerKind.AdamW, WeightDecay = MoCoV3Defaults.AdamWWeightDecay },
            method.TrainableParameters());
        optimizer.SetLearningRate(1e-3);
        Assert.DoesNotContain(optimizer.ParameterNames, n => n.Contains("patch_embed", StringComparison.Ordinal) || n.Contains("pos_embed", StringComparison.Ordinal));
        Assert.Contains(optimizer.ParameterNames, n => n.EndsWith("base_encoder.cls_token", StringComparison.Ordinal));

        var baseVit = (VisionTransformer)method.OnlineEncoder;
        var momentumVit = (VisionTransformer)method.MomentumEncoder;
        using var patchBefore = Copy(baseVit.PatchEmbed.Proj.weight!);
        using var momentumPatchBefore = Copy(momentumVit.PatchEmbed.Proj.weight!);
        using var qkvBefore = Copy(baseVit.Blocks[0].Attention.Qkv.weight!);
        using var momentumQkvBefore = Copy(momentumVit.Blocks[0].Attention.Qkv.weight!);
        Assert.True(patchBefore.eq(momentumPatchBefore).all().item<bool>(), "both encoders start equal");

        using (var scope = NewDisposeScope())
        {
            var g = new Generator(8);
            var views = new[] { rand(new long[] { 8, 1, 16, 16 }, generator: g), rand(new long[] { 8, 1, 16, 16 }, generator: g) };
            var output = method.Step(new MethodBatch(views, arange(8, ScalarType.Int64), null, new TrainingPosition(0, 0, 10, 1, 0), new Generator(9)));
            float loss = output.Loss.item<float>();
            Assert.True(float.IsFinite(loss) && loss > 0, $"loss {loss}");
            optimizer.ZeroGrad();
            output.Loss.backward();
            Assert.Null(baseVit.PatchEmbed.Proj.weight!.grad);
            optimizer.Step();
        }
        method.AfterOptimizerStep(new TrainingPosition(0, 0, 10, 1, 0));

        Assert.True(baseVit.PatchEmbed.Proj.weight!.eq(patchBefore).all().item<bool>(), "the frozen patch projection moved");
        Assert.True(momentumVit.PatchEmbed.Proj.weight!.allclose(patchBefore, rtol: 0, atol: 1e-7), "the momentum encoder's patch projection drifted");
        var qkv = baseVit.Blocks[0].Attention.Qkv.weight!;
        Assert.False(qkv.eq(qkvBefore).all().item<bool>(), "the step did not train the blocks");
        // The momentum encoder follows: θm ← m·θm + (1 − m)·θb.
        double m = method.CurrentMomentum;
        Assert.InRange(m, 0.9, 1.0 - 1e-9);
        using var expected = momentumQkvBefore.mul(m).add(qkv.detach().mul(1 - m));
        Assert.True(momentumVit.Blocks[0].Attention.Qkv.weight!.allclose(expected, rtol: 0, atol: 1e-6));
        Assert.False(momentumVit.Blocks[0].Attention.Qkv.weight!.eq(momentumQkvBefore).all().item<bool>());
    }

    [Fact]
    public void The_recipe_for_a_ViT_is_the_paper_s_AdamW_T_0_2_and_40_warm_up_epochs()
    {
        var vit = TrainingOptions.MoCoV3(new BackboneSpec(BackboneKind.VitSmall), epochs: 400);
        Assert.Equal(OptimizerKind.AdamW, vit.Optimizer.Kind);
        Assert.Equal(1.5e-4, vit.BaseLearningRate);
        Assert.Equal(0.1, vit.Optimizer.WeightDecay);
        Assert.Equal(0.2, ((MoCoV3MethodOptions)vit.Method).Temperature);
        Assert.Equal(40, vit.WarmupEpochs);
        Assert.Equal(5, TrainingOptions.MoCoV3(new BackboneSpec(BackboneKind.VitTiny), epochs: 50).WarmupEpochs); // capped to a tenth

        var resnet = TrainingOptions.MoCoV3(new BackboneSpec(BackboneKind.ResNet50), epochs: 400);
        Assert.Equal((OptimizerKind.Lars, 0.6, 1e-6, 1.0, 10),
            (resnet.Optimizer.Kind, resnet.BaseLearningRate, resnet.Optimizer.WeightDecay, ((MoCoV3MethodOptions)resnet.Method).Temperature, resnet.WarmupEpochs));
        Assert.Equal(OptimizerKind.Lars, TrainingOptions.MoCoV3(new BackboneSpec(BackboneKind.VitTiny), 10, OptimizerKind.Lars).Optimizer.Kind);
    }

    private static TrainingOptions SmallVit(int epochs) => MoCoV3Tests.Small(new BackboneSpec(BackboneKind.VitTiny, 1), epochs) with
    {
        Optimizer = new OptimizerOptions { Kind = OptimizerKind.AdamW, WeightDecay = MoCoV3Defaults.AdamWWeightDecay },
        BaseLearningRate = 1e-3,
    };

    [Fact]
    public void The_loop_resolves_the_patch_size_and_the_encoder_file_reloads_the_ViT()
    {
        var data = TrainerTests.DistinctImages(32);
        var log = new List<string>();
        using var result = new Trainer(SmallVit(1)) { Log = log.Add }.Run(data);
        Assert.All(result.History, h => Assert.True(double.IsFinite(h.Loss)));
        var encoder = result.Encoder;
        Assert.Equal((BackboneKind.VitTiny, 4, 16), (encoder.Backbone.Kind, encoder.Backbone.PatchSize, encoder.Backbone.ImageSize));
        Assert.Contains(log, l => l.Contains("VitTiny (patch 4)", StringComparison.Ordinal));
        Assert.Equal(192, encoder.FeatureDim);

        var pixels = new float[3 * 16 * 16];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (i % 13) / 12f;
        var features = new float[3 * 192];
        encoder.Extract(pixels, 3, features);
        using var stream = new MemoryStream();
        encoder.Save(stream);
        stream.Position = 0;
        using var loaded = TrainedEncoder.Load(stream, "cpu");
        Assert.Equal(encoder.Backbone, loaded.Backbone);
        var again = new float[features.Length];
        loaded.Extract(pixels, 3, again);
        Assert.Equal(features, again);
    }

    [Fact]
    public void Resuming_a_ViT_run_from_a_mid_run_checkpoint_continues_exactly()
    {
        var data = TrainerTests.DistinctImages(32);
        string dir = Directory.CreateTempSubdirectory("mlnetmoco-vit-resume").FullName;
        try
        {
            var options = SmallVit(2) with { CheckpointDirectory = dir, CheckpointEveryEpochs = 1 };
            var uninterrupted = TrainerTests.StepLosses(data, options with { CheckpointDirectory = null });
            var firstPart = TrainerTests.StepLosses(data, options, p => p.Epoch == 1 && p.Step == 0);
            var secondPart = TrainerTests.StepLosses(data, options with { ResumeFrom = Path.Combine(dir, "checkpoint-last.mlnmckpt") });
            Assert.Equal(4, uninterrupted.Count);
            Assert.Equal(uninterrupted, firstPart.Concat(secondPart));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void MoCo_v2_trains_a_ViT_too_its_BatchNorm_splits_having_nothing_to_split()
    {
        var data = TrainerTests.DistinctImages(32);
        var options = TrainerTests.Small(epochs: 1) with { Backbone = new BackboneSpec(BackboneKind.VitTiny, 1) };
        var losses = TrainerTests.StepLosses(data, options);
        Assert.Equal(2, losses.Count);
        Assert.All(losses, l => Assert.True(double.IsFinite(l)));
    }

    [Fact]
    public void A_crop_size_other_than_the_ViT_s_image_side_is_refused_before_training()
    {
        var options = SmallVit(1);
        var method = (MoCoV3MethodOptions)options.Method;
        options = options with { Method = method with { SecondView = method.SecondView with { CropSize = 8 } } };
        var e = Assert.Throws<ArgumentException>(() => new Trainer(options).Run(TrainerTests.DistinctImages(32)));
        Assert.Equal("CropSize", e.ParamName);
        Assert.Contains("CropSize = 8", e.Message);
        var fitting = options with { Method = method with { SecondView = method.SecondView with { CropSize = 16 } } };
        Assert.Equal(4, fitting.ForImages(new ImageShape(1, 16, 16)).Backbone.PatchSize);
    }
}
