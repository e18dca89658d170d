using MlNetMoco.Core.Methods;

namespace MlNetMoco.Core.Tests.Methods;

public class QueueSizingTests
{
    [Fact]
    public void The_queue_is_capped_at_an_epoch_of_keys_minus_one_batch_in_whole_batches()
    {
        // issue #11: N = 1,300, B = 128: an epoch enqueues 1,280 keys; K = 1,280 − 128 = 1,152.
        var (size, reason) = QueueSizing.Choose(65536, 1300, 128);
        Assert.Equal(1152, size);
        Assert.Contains("QueueSize 65536 is more than the 1280 keys an epoch enqueues", reason);
        Assert.Contains("using 1152 (9 batches)", reason);
        Assert.Equal((4096, (string?)null), QueueSizing.Choose(4096, 10000, 256));
        Assert.Equal((1000, (string?)null), QueueSizing.Choose(1000, 1300, 128)); // already small enough: kept as given
        Assert.Equal(16, QueueSizing.Choose(64, 16, 16).Size);                    // one batch per epoch: one batch of keys
        Assert.Throws<ArgumentException>(() => QueueSizing.Choose(64, 8, 16));
    }
}
