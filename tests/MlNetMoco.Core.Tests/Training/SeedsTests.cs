using MlNetMoco.Core.Training;

namespace MlNetMoco.Core.Tests.Training;

public class SeedsTests
{
    [Fact]
    public void Epoch_orders_are_permutations_fixed_by_seed_and_epoch()
    {
        var a = Seeds.EpochOrder(1, 0, 50);
        Assert.Equal(Enumerable.Range(0, 50), a.Order());
        Assert.Equal(a, Seeds.EpochOrder(1, 0, 50));
        Assert.NotEqual(a, Seeds.EpochOrder(1, 1, 50));
        Assert.NotEqual(a, Seeds.EpochOrder(2, 0, 50));
    }

    [Fact]
    public void Mixed_seeds_differ_for_neighbouring_coordinates()
    {
        var seen = new HashSet<long>();
        for (int e = 0; e < 20; e++)
            for (int s = 0; s < 20; s++)
                Assert.True(seen.Add(Seeds.Mix(0, e, s)));
        Assert.All(seen, v => Assert.True(v >= 0));
    }
}
