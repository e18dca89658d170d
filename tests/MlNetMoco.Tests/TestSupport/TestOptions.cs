using MlNetMoco.Core.Backbones;

namespace MlNetMoco.Tests.TestSupport;

/// <summary>Options for fast CPU tests: SmallConvNet, tiny batches, a short queue, one epoch.</summary>
public static class TestOptions
{
    public static MoCoOptions Tiny(int epochs = 1, int batchSize = 8) => new()
    {
        Backbone = BackboneKind.SmallConvNet,
        BatchSize = batchSize,
        BatchNormSplits = 2,
        QueueSize = 32,
        Epochs = epochs,
        Device = "cpu",
        Seed = 7,
    };
}
