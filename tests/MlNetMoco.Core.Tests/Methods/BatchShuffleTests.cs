using MlNetMoco.Core.Methods;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Tests.Methods;

public class BatchShuffleTests
{
    [Fact]
    public void Unshuffle_restores_the_order_exactly()
    {
        using var batch = arange(32).reshape(16, 2).to_type(ScalarType.Float32);
        using var generator = new Generator(7);
        var (shuffled, unshuffle) = BatchShuffle.Shuffle(batch, generator);
        using (shuffled)
        using (unshuffle)
        {
            Assert.False(shuffled.allclose(batch, 0, 0));
            using var restored = BatchShuffle.Unshuffle(shuffled, unshuffle);
            Assert.True(restored.allclose(batch, 0, 0));
        }
    }

    [Fact]
    public void The_same_seed_gives_the_same_permutation()
    {
        using var batch = arange(10).to_type(ScalarType.Float32);
        using var g1 = new Generator(11);
        using var g2 = new Generator(11);
        var (a, _) = BatchShuffle.Shuffle(batch, g1);
        var (b, _) = BatchShuffle.Shuffle(batch, g2);
        Assert.True(a.allclose(b, 0, 0));
    }
}
