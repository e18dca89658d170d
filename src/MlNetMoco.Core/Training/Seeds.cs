namespace MlNetMoco.Core.Training;

/// <summary>
/// Derives every random stream of training from (seed, epoch, step), so a run resumed from a checkpoint draws
/// exactly the numbers the uninterrupted run would have, with no generator state to save.
/// </summary>
public static class Seeds
{
    /// <summary>A well-mixed 63-bit seed for the given coordinates (SplitMix64 finaliser).</summary>
    public static long Mix(long seed, long a, long b = 0)
    {
        ulong z = (ulong)seed * 0x9E3779B97F4A7C15UL ^ (ulong)(a + 1) * 0xBF58476D1CE4E5B9UL ^ (ulong)(b + 1) * 0x94D049BB133111EBUL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (long)((z ^ (z >> 31)) >> 1);
    }

    /// <summary>The order in which epoch <paramref name="epoch"/> visits <paramref name="count"/> images.</summary>
    public static int[] EpochOrder(int seed, int epoch, int count)
    {
        var order = Enumerable.Range(0, count).ToArray();
        new Random((int)(Mix(seed, epoch, -7) & int.MaxValue)).Shuffle(order);
        return order;
    }
}
