using System.Collections.Concurrent;
using MlNetMoco.Core.Data;

namespace MlNetMoco.Core.Training;

/// <summary>
/// Copies the images of each batch out of an <see cref="IImageDataset"/> on a background thread, a few batches
/// ahead, so that pixel copying (and, for a store on disk, page faults) overlaps the training step. A large batch is
/// split between several copy workers, each filling its own slice of the batch array, so the content and order of
/// every batch are exactly those of a single-threaded copy (a resumed run sees the same batches). The batch arrays
/// are recycled (prefetch + 2 of them), so a long run allocates nothing per step: fewer garbage collections while
/// native code runs.
/// </summary>
public static class BatchProducer
{
    /// <summary>Fewest values a copy worker is given: smaller batches are not split.</summary>
    public const int MinimumValuesPerWorker = 1 << 16;

    /// <summary>
    /// Copy workers a batch is split between by default: a quarter of the logical cores, from 1 to 4, so the
    /// training step keeps most cores (CPU training) while a GPU is not left waiting for large images.
    /// </summary>
    public static int DefaultWorkers => Math.Clamp(Environment.ProcessorCount / 4, 1, 4);

    /// <summary>
    /// The batches of <paramref name="order"/> in groups of <paramref name="batchSize"/> (the last partial batch is
    /// dropped), starting at batch <paramref name="firstBatch"/>, copied by <see cref="DefaultWorkers"/> workers.
    /// Each batch is an array of batchSize·Shape.Size floats that stays valid until the next batch is requested (it
    /// is then reused): copy what you keep.
    /// </summary>
    public static IEnumerable<float[]> Batches(IImageDataset data, int[] order, int batchSize, int firstBatch = 0,
        int prefetch = 2, CancellationToken cancellationToken = default) =>
        BatchesWithWorkers(data, order, batchSize, firstBatch, prefetch, DefaultWorkers, cancellationToken);

    /// <summary>
    /// As <see cref="Batches"/>, with the number of copy workers given: a batch is split into at most
    /// <paramref name="workers"/> slices of at least <see cref="MinimumValuesPerWorker"/> values, copied in parallel.
    /// The batches do not depend on it.
    /// </summary>
    public static IEnumerable<float[]> BatchesWithWorkers(IImageDataset data, int[] order, int batchSize, int firstBatch,
        int prefetch, int workers, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(order);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        return Produce(data, order, batchSize, firstBatch, Math.Max(1, prefetch), Slices(data.Shape.Size, batchSize, workers), cancellationToken);
    }

    // Number of slices a batch is copied in: at most `workers`, each with at least MinimumValuesPerWorker values.
    private static int Slices(int imageSize, int batchSize, int workers)
    {
        long values = (long)imageSize * batchSize;
        return (int)Math.Clamp(values / MinimumValuesPerWorker, 1, Math.Clamp(workers, 1, batchSize));
    }

    private static void CopyInSlices(IImageDataset data, int[] order, int start, int batchSize, int slices, float[] batch, ParallelOptions parallel)
    {
        int size = data.Shape.Size;
        try
        {
            Parallel.For(0, slices, parallel, s =>
            {
                // Slice s covers images [from, to) of the batch and writes only their floats.
                int from = (int)((long)batchSize * s / slices), to = (int)((long)batchSize * (s + 1) / slices);
                data.CopyImages(order.AsSpan(start + from, to - from), batch.AsSpan(from * size, (to - from) * size));
            });
        }
        catch (AggregateException e) when (e.InnerExceptions.Count == 1)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerExceptions[0]); // the source's own exception, as with one worker
        }
    }

    private static IEnumerable<float[]> Produce(IImageDataset data, int[] order, int batchSize, int firstBatch, int prefetch, int slices,
        CancellationToken cancellationToken)
    {
        int batches = order.Length / batchSize;
        if (firstBatch >= batches) yield break;
        int size = data.Shape.Size;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var queue = new BlockingCollection<float[]>(prefetch);
        using var free = new BlockingCollection<float[]>();
        for (int i = 0; i < prefetch + 2; i++) free.Add(new float[batchSize * size]);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = slices, CancellationToken = stop.Token };
        var producer = Task.Run(() =>
        {
            try
            {
                for (int b = firstBatch; b < batches && !stop.IsCancellationRequested; b++)
                {
                    var batch = free.Take(stop.Token);
                    int start = b * batchSize;
                    if (slices == 1)
                        data.CopyImages(order.AsSpan(start, batchSize), batch);
                    else
                        CopyInSlices(data, order, start, batchSize, slices, batch, parallel);
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
