using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Optimization;
using MlNetMoco.Core.Training;

namespace MlNetMoco.Core.Tests.Training;

/// <summary>
/// Training while another thread forces garbage collections and runs finalisers in a loop: a Scalar (or tensor)
/// finalised during the native call that uses it would crash the run or change its numbers, so the run must finish
/// with exactly the losses of an undisturbed run of the same seed. RGB images, so every augmentation (colour jitter
/// through HSV, grayscale, blur) runs; SGD and LARS.
/// </summary>
/// <remarks>
/// The forced collections reach every thread of the test process, so this class runs alone
/// (<see cref="GcStressCollection"/>): other tests' own temporaries (TorchSharp's, or a test's implicit Scalars)
/// must not be finalised under them by this test.
/// </remarks>
[Collection(GcStressCollection.Name)]
public class GcStressTests
{
    [Theory]
    [InlineData(OptimizerKind.Sgd)]
    [InlineData(OptimizerKind.Lars)]
    public void Losses_do_not_change_when_finalisers_run_during_training(OptimizerKind optimizer)
    {
        var data = TrainerTests.DistinctImages(64, channels: 3);
        var options = TrainerTests.Small(epochs: 2) with
        {
            Backbone = new BackboneSpec(BackboneKind.SmallConvNet, InChannels: 3),
            Optimizer = new OptimizerOptions { Kind = optimizer },
        };
        var undisturbed = TrainerTests.StepLosses(data, options);

        using var stop = new CancellationTokenSource();
        long collections = 0;
        var collector = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                Interlocked.Increment(ref collections);
            }
        }) { IsBackground = true, Name = "GC stress" };
        collector.Start();
        List<double> disturbed;
        try
        {
            disturbed = TrainerTests.StepLosses(data, options);
        }
        finally
        {
            stop.Cancel();
            collector.Join();
        }

        Assert.Equal(8, undisturbed.Count); // 64 images, batch 16, 2 epochs
        Assert.True(Interlocked.Read(ref collections) >= disturbed.Count, $"only {collections} forced collections during {disturbed.Count} steps");
        Assert.Equal(undisturbed, disturbed);
    }
}

/// <summary>Runs <see cref="GcStressTests"/> after the parallel tests, with nothing else in the process.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GcStressCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "GC stress (runs alone)";
}
