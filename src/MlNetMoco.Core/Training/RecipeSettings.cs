using MlNetMoco.Core.Backbones;

namespace MlNetMoco.Core.Training;

/// <summary>
/// The settings a recipe (<see cref="AutoRecipe"/>) chooses for MoCo pretraining, each with the reason it was chosen.
/// An explicitly set option always replaces the recipe's value.
/// </summary>
/// <param name="Backbone">The encoder architecture.</param>
/// <param name="SmallImageStem">ResNets: a 3×3 stride-1 stem without max-pool (small images).</param>
/// <param name="Epochs">Passes over the images.</param>
/// <param name="BatchSize">Images per step (a multiple of <see cref="MoCoDefaults.BatchNormSplits"/>).</param>
/// <param name="BaseLearningRate">SGD learning rate for a batch of 256 (scaled linearly to <paramref name="BatchSize"/>).</param>
/// <param name="QueueSize">The number of negative keys K requested (the trainer still caps it with <c>QueueSizing</c>).</param>
/// <param name="EncoderMomentum">Momentum m of the key encoder.</param>
/// <param name="CropScaleMin">Smallest random-resized-crop area fraction.</param>
/// <param name="CropScaleMax">Largest random-resized-crop area fraction.</param>
/// <param name="HorizontalFlip">Random horizontal flips.</param>
/// <param name="GaussianBlur">MoCo v2's random Gaussian blur (σ ∈ [0.1, 2] px, p = 0.5).</param>
/// <param name="Reasons">One line per setting: "Setting = value: why".</param>
public sealed record RecipeSettings(
    BackboneKind Backbone,
    bool SmallImageStem,
    int Epochs,
    int BatchSize,
    double BaseLearningRate,
    int QueueSize,
    double EncoderMomentum,
    double CropScaleMin,
    double CropScaleMax,
    bool HorizontalFlip,
    bool GaussianBlur,
    IReadOnlyDictionary<string, string> Reasons)
{
    /// <summary>Hue strength of the colour jitter (<c>ViewAugmentation.HueJitter</c>); null keeps the augmentation preset's.</summary>
    public double? HueJitter { get; init; }
}
