using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Methods;

/// <summary>
/// Shuffling BN on one device (He et al. 2019, §3.3): the key batch is permuted before the key encoder, so that its
/// BatchNorm sub-batches (<see cref="Normalization.SplitBatchNorm2d"/>) differ from the query's, and the order is
/// restored afterwards. This prevents the model from "cheating" the pretext task through BN statistics.
/// </summary>
public static class BatchShuffle
{
    /// <summary>Permutes the rows of <paramref name="batch"/>; returns the permuted batch and the index that undoes it.</summary>
    /// <param name="batch">N×… tensor.</param>
    /// <param name="generator">CPU generator the permutation is drawn from.</param>
    public static (Tensor Shuffled, Tensor Unshuffle) Shuffle(Tensor batch, Generator generator)
    {
        using var scope = NewDisposeScope();
        var permutation = randperm(batch.shape[0], generator: generator);
        var unshuffle = permutation.argsort();
        var shuffled = batch.index_select(0, permutation.to(batch.device));
        return (shuffled.MoveToOuterDisposeScope(), unshuffle.to(batch.device).MoveToOuterDisposeScope());
    }

    /// <summary>Restores the original order of rows permuted by <see cref="Shuffle"/>.</summary>
    public static Tensor Unshuffle(Tensor shuffled, Tensor unshuffle) => shuffled.index_select(0, unshuffle);
}
