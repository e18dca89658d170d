using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Methods;
using MlNetMoco.Demo.Data;

namespace MlNetMoco.Demo.Jobs;

/// <summary>The main job's MoCo v2 settings for Fashion-MNIST (SmallConvNet, small stem, K 4096, m 0.99, lr 0.06), for commands that pretrain the same way.</summary>
public static class FashionMnistPretraining
{
    /// <summary>MoCo v2 options reading <see cref="ImageRow.Pixels"/> and writing "Features".</summary>
    public static MoCoOptions Options(int epochs, int batchSize, string device, int seed) => new()
    {
        InputColumnName = nameof(ImageRow.Pixels),
        OutputColumnName = "Features",
        Version = MoCoVersion.V2,
        Backbone = BackboneKind.SmallConvNet,
        SmallImageStem = true,
        Epochs = epochs,
        BatchSize = batchSize,
        QueueSize = 4096,
        EncoderMomentum = 0.99,
        BaseLearningRate = 0.06,
        Device = device,
        Seed = seed,
    };
}
