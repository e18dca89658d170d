using MlNetMoco.Core.Augmentations;
using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Heads;
using MlNetMoco.Core.Methods;
using MlNetMoco.Core.Optimization;
using MlNetMoco.Core.Training;

namespace MlNetMoco.Core.Tests.Training;

public class TrainingOptionsJsonTests
{
    [Fact]
    public void Method_options_round_trip_polymorphically()
    {
        var moco = TrainingOptions.MoCo(MoCoVersion.V1) with
        {
            Method = new MoCoMethodOptions
            {
                Version = MoCoVersion.V1, QueueSize = 4096, Temperature = 0.1, Head = HeadSpec.Mlp(512, 1024, 64, batchNorm: true),
                ViewAugmentations = [new ViewAugmentation { Preset = AugmentationPreset.MoCoV2, CropScaleMin = 0.08 }, new ViewAugmentation { Preset = null, HorizontalFlip = false }],
            },
            Optimizer = new OptimizerOptions { Kind = OptimizerKind.Lars, TrustCoefficient = 0.002 },
        };
        string json = TrainingOptionsJson.Serialize(moco);
        Assert.Contains("\"Kind\":\"MoCo\"", json);
        Assert.DoesNotContain("EffectiveTemperature", json);
        var back = TrainingOptionsJson.Deserialize(json);
        Assert.Empty(TrainingOptionsJson.Differences(moco, back));
        var method = Assert.IsType<MoCoMethodOptions>(back.Method);
        Assert.Equal(HeadSpec.Mlp(512, 1024, 64, batchNorm: true), method.Head);
        Assert.Equal(0.08, method.Views[0].CropScaleMin);
        Assert.False(method.Views[1].HorizontalFlip);
        Assert.Equal(OptimizerKind.Lars, back.Optimizer.Kind);

        var supervised = TrainingOptions.Supervised(new BackboneSpec(BackboneKind.SmallConvNet, 1));
        var supervisedBack = TrainingOptionsJson.Deserialize(TrainingOptionsJson.Serialize(supervised));
        Assert.IsType<SupervisedMethodOptions>(supervisedBack.Method);
        Assert.Empty(TrainingOptionsJson.Differences(supervised, supervisedBack));
    }

    [Fact]
    public void Differences_name_nested_settings_and_ignore_resumable_ones()
    {
        var a = TrainingOptions.MoCo(MoCoVersion.V2);
        var b = a with { Epochs = 5, Device = "cpu", Method = new MoCoMethodOptions { QueueSize = 32 }, Optimizer = new OptimizerOptions { WeightDecay = 0 } };
        var differences = TrainingOptionsJson.Differences(a, b);
        Assert.Equal(2, differences.Count);
        Assert.Contains("Method.QueueSize (checkpoint 65536, now 32)", differences);
        Assert.Contains(differences, d => d.StartsWith("Optimizer.WeightDecay", StringComparison.Ordinal));
        Assert.Contains(TrainingOptionsJson.Differences(a, a with { Method = new SupervisedMethodOptions() }), d => d.StartsWith("Method.Kind", StringComparison.Ordinal));
    }

    [Fact]
    public void Moco_views_follow_the_version_and_the_crop_settings()
    {
        var v1 = new MoCoMethodOptions { Version = MoCoVersion.V1, CropSize = 24, CropScaleMin = 0.5, HorizontalFlip = false };
        Assert.Equal(2, v1.Views.Count);
        Assert.All(v1.Views, v => Assert.Equal(new ViewAugmentation { Preset = AugmentationPreset.MoCoV1, CropSize = 24, CropScaleMin = 0.5, HorizontalFlip = false }, v));
        var pipeline = v1.Views[0].Build(new MlNetMoco.Core.Data.ImageShape(3, 32, 32), MlNetMoco.Core.Data.ImageNormalization.ImageNet);
        var crop = Assert.IsType<RandomResizedCrop>(pipeline.Ops[0]);
        Assert.Equal((24, 0.5), (crop.OutputHeight, crop.ScaleMin));
        Assert.DoesNotContain(pipeline.Ops, op => op is RandomHorizontalFlip);
        Assert.IsType<Normalize>(pipeline.Ops[^1]);
        // The default view is exactly the paper's preset.
        var defaults = new MoCoMethodOptions().Views[0].Build(new MlNetMoco.Core.Data.ImageShape(1, 16, 16), new MlNetMoco.Core.Data.ImageNormalization([0.5f], [0.2f]));
        Assert.Equal(AugmentationPresets.MoCoV2(16, 16, 1, [0.5f], [0.2f]).ToString(), defaults.ToString());

        var light = new SupervisedMethodOptions().Views.Single().Build(new MlNetMoco.Core.Data.ImageShape(1, 16, 16), new MlNetMoco.Core.Data.ImageNormalization([0.5f], [0.2f]));
        Assert.Equal(3, light.Ops.Count);
        Assert.Equal(0.6, Assert.IsType<RandomResizedCrop>(light.Ops[0]).ScaleMin);
    }

    [Fact]
    public void Invalid_settings_are_named_before_training()
    {
        static string Message(TrainingOptions o) => Assert.Throws<ArgumentException>(() => o.Validate()).Message;
        var o = TrainingOptions.MoCo(MoCoVersion.V2);
        Assert.Contains("Method.QueueSize = 0", Message(o with { Method = new MoCoMethodOptions { QueueSize = 0 } }));
        Assert.Contains("Method.CropScaleMin = 0, CropScaleMax = 1", Message(o with { Method = new MoCoMethodOptions { CropScaleMin = 0 } }));
        Assert.Contains("Method.ViewAugmentations = 1", Message(o with { Method = new MoCoMethodOptions { ViewAugmentations = [new ViewAugmentation()] } }));
        Assert.Contains("Method.Head: The head Linear(256→8) takes 256 features but the backbone gives 512",
            Message(o with { Method = new MoCoMethodOptions { Head = HeadSpec.Linear(256, 8) } }));
        Assert.Contains("Optimizer.Beta2 = 1", Message(o with { Optimizer = new OptimizerOptions { Beta2 = 1 } }));
        Assert.Contains("WarmupEpochs = 200", Message(o with { WarmupEpochs = 200 }));
    }
}
