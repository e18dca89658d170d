using MlNetMoco.Core.Backbones;

namespace MlNetMoco.Core.Training;

/// <summary>
/// Settings of supervised training (or fine-tuning) of a backbone with a linear classifier and cross-entropy.
/// Used for the supervised baseline and for fine-tuning a pretrained encoder on labelled images.
/// </summary>
public sealed record SupervisedOptions
{
    /// <summary>The encoder architecture. Default SmallConvNet, 1 channel.</summary>
    public BackboneSpec Backbone { get; init; } = new(BackboneKind.SmallConvNet, InChannels: 1);

    /// <summary>Passes over the labelled images. Default 30.</summary>
    public int Epochs { get; init; } = 30;

    /// <summary>Images per step (the last partial batch is kept). Default 64.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>SGD learning rate, with a cosine schedule to 0. Default 0.05.</summary>
    public double LearningRate { get; init; } = 0.05;

    /// <summary>SGD momentum. Default 0.9.</summary>
    public double Momentum { get; init; } = 0.9;

    /// <summary>Weight decay. Default 5e-4.</summary>
    public double WeightDecay { get; init; } = 5e-4;

    /// <summary>Random-resized-crop lower scale bound of the light training augmentation (crop + horizontal flip). Default 0.6.</summary>
    public double CropScaleMin { get; init; } = 0.6;

    /// <summary>Device request ("auto", "cpu", "cuda", "cuda:N"). Default "auto".</summary>
    public string Device { get; init; } = "auto";

    /// <summary>Seed of initialisation, order and augmentation. Default 0.</summary>
    public int Seed { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting out of range.</summary>
    public SupervisedOptions Validate()
    {
        if (Epochs < 1) throw new ArgumentException($"Epochs = {Epochs}: expected at least 1.", nameof(Epochs));
        if (BatchSize < 2) throw new ArgumentException($"BatchSize = {BatchSize}: expected at least 2.", nameof(BatchSize));
        if (!(LearningRate > 0)) throw new ArgumentException($"LearningRate = {LearningRate}: expected a positive number.", nameof(LearningRate));
        if (CropScaleMin is <= 0 or > 1) throw new ArgumentException($"CropScaleMin = {CropScaleMin}: expected a value in (0, 1].", nameof(CropScaleMin));
        return this;
    }
}
