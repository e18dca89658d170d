using MlNetMoco.Core.Data;

namespace MlNetMoco.Core.Training;

/// <summary>
/// Labelled images for the k-NN monitor (Wu et al. 2018; the MoCo CIFAR demo): at the end of each epoch the
/// <see cref="Test"/> images are classified by a weighted vote of their k nearest <see cref="Train"/> images
/// in the encoder's feature space. Labels are 0-based class indices.
/// </summary>
/// <param name="Train">The memory bank images.</param>
/// <param name="TrainLabels">Label of each memory bank image.</param>
/// <param name="Test">The images to classify.</param>
/// <param name="TestLabels">Label of each test image.</param>
public sealed record KnnMonitorData(IImageDataset Train, int[] TrainLabels, IImageDataset Test, int[] TestLabels)
{
    /// <summary>Number of classes (largest label + 1).</summary>
    public int ClassCount => Math.Max(TrainLabels.DefaultIfEmpty(-1).Max(), TestLabels.DefaultIfEmpty(-1).Max()) + 1;

    /// <summary>Checks that labels match the images.</summary>
    public KnnMonitorData Validate()
    {
        if (TrainLabels.Length != Train.Count || TestLabels.Length != Test.Count)
            throw new ArgumentException("k-NN monitor: each image needs exactly one label.");
        if (TrainLabels.Concat(TestLabels).Any(l => l < 0))
            throw new ArgumentException("k-NN monitor: labels must be 0-based class indices.");
        return this;
    }
}
