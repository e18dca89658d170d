namespace MlNetMoco.Core.Methods;

/// <summary>
/// MoCo's queue size K against the data set (facebookresearch/moco issues #87 and #146). An epoch enqueues S·B keys
/// (S = ⌊N/B⌋ full batches of B). At step s of an epoch the queue holds the s·B keys of this epoch (other images) and
/// K − s·B keys from the end of the previous one, among which a query's own stale key with probability about
/// (K − s·B)/(S·B): with K ≥ S·B every query of an epoch's first step meets it, and with K &gt; N the queue holds several
/// copies of the same images. K is therefore capped at S·B − B, rounded down to whole batches, and never below B.
/// </summary>
/// <remarks>
/// The cap lowers the stale fraction but cannot remove it, since the order is reshuffled every epoch: with K = m·B
/// (m ≤ S) about m(m+1)/(2S²) of all queries meet a stale key of their own image, e.g. 45% for N = 1,300, B = 128 and
/// K = 1,152 (56% with K = 1,300), 0.13% for ImageNet's N = 1.28M, B = 256, K = 65,536.
/// <see cref="MoCoMethodOptions.ExcludeSameImageNegatives"/> removes those keys from the negatives by sample index.
/// </remarks>
public static class QueueSizing
{
    /// <summary>The queue size to use for <paramref name="requested"/> keys, <paramref name="imageCount"/> images and batches of <paramref name="batchSize"/>.</summary>
    /// <param name="requested">The configured K.</param>
    /// <param name="imageCount">Number of training images N.</param>
    /// <param name="batchSize">Images per step B (at most N).</param>
    /// <returns>K, and when it is smaller than requested, a sentence saying why.</returns>
    public static (int Size, string? Reason) Choose(int requested, int imageCount, int batchSize)
    {
        if (requested < 1) throw new ArgumentOutOfRangeException(nameof(requested), requested, "The queue needs at least one key.");
        if (batchSize < 1 || imageCount < batchSize)
            throw new ArgumentException($"Queue sizing needs 1 ≤ batch size ≤ image count (got B = {batchSize}, N = {imageCount}).");
        int keysPerEpoch = imageCount / batchSize * batchSize;
        int cap = Math.Max(batchSize, keysPerEpoch - batchSize);
        if (requested <= cap) return (requested, null);
        return (cap,
            $"QueueSize {requested} is more than the {keysPerEpoch} keys an epoch enqueues ({imageCount} images in batches of {batchSize}) minus one batch; " +
            $"using {cap} ({cap / batchSize} batches) so that the queue does not hold stale keys of the current batch's images at every step.");
    }
}
