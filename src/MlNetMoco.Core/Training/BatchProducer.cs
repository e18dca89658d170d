using System.Collections.Concurrent;
using MlNetMoco.Core.Data;

namespace MlNetMoco.Core.Training;

/// <summary>
/// Copies the images of each batch out of an <see cref="IImageDataset"/> on a background thread, a few batches
/// ahead, so that pixel copying overlaps the training step. The batch arrays are recycled (prefetch + 2 of them),
/// so a long run allocates nothing per step: fewer garbage collections while native code runs.
/// </summary>
public static class BatchProducer
{
    /// <summary>
    /// The batches of <paramref name="order"/> in groups of <paramref name="batchSize"/> (the last partial batch is
    /// dropped), starting at batch <paramref name="firstBatch"/>. Each batch is an array of batchSize·Shape.Size floats
    /// that stays valid until the next batch is requested (it is then reused): copy what you keep.
    /// </summary>
    public static IEnumerable<float[]> Batches(IImageDataset data, int[] order, int batchSize, int firstBatch = 0,
        int prefetch = 2, CancellationToken cancellationToken = default)
    {
        int batches = order.Length / batchSize;
        if (firstBatch >= batches) yield break;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        prefetch = Math.Max(1, prefetch);
        using var queue = new BlockingCollection<float[]>(prefetch);
        using var free = new BlockingCollection<float[]>();
        for (int i = 0; i < prefetch + 2; i++) free.Add(new float[batchSize * data.Shape.Size]);
        var producer = Task.Run(() =>
        {
            try
            {
                for (int b = firstBatch; b < batches && !stop.IsCancellationRequested; b++)
                {
                    var batch = free.Take(stop.Token);
                    data.CopyImages(order.AsSpan(b * batchSize, batchSize), batch);
                    queue.Add(batch, stop.Token);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
            finally
            {
                queue.CompleteAdding();
            }
        });
        try
        {
            foreach (var batch in queue.GetConsumingEnumerable())
            {
                yield return batch;
                free.Add(batch); // the consumer asked for the next batch: this one is done
            }
        }
        finally
        {
            stop.Cancel();
            try { producer.Wait(); } // rethrows a failure of the data source
            catch (AggregateException e) when (e.InnerExceptions.All(x => x is OperationCanceledException)) { }
        }
    }
}
