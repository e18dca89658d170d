using System.Text.Json.Serialization;
using MlNetMoco.Core.Optimization;
using MlNetMoco.Core.Training;

namespace MlNetMoco.Core.Methods;

/// <summary>
/// Supervised training (or fine-tuning) of a backbone with a linear classifier and cross-entropy, on labelled images
/// with a light augmentation (random resized crop of scale 0.6–1 and horizontal flip). It keeps each epoch's last
/// partial batch. <see cref="TrainingOptions.Supervised"/> gives the loop settings that go with it.
/// </summary>
public sealed record SupervisedMethodOptions : MethodOptions
{
    /// <summary>Number of classes; null takes the largest label + 1. Default null.</summary>
    public int? Classes { get; init; }

    /// <summary>
    /// Learning-rate multiple of the backbone against the classifier: 1 trains everything alike; smaller values are
    /// usual for fine-tuning; 0 trains the classifier only: the backbone's weights get no gradient (its BatchNorm
    /// statistics still adapt unless <see cref="FreezeBatchNorm"/>). Default 1.
    /// </summary>
    public double BackboneLearningRateScale { get; init; } = 1.0;

    /// <summary>
    /// Keep every BatchNorm layer of the backbone in evaluation mode while training: its running statistics stay
    /// those of the starting encoder (its affine weights still train unless the backbone's rate scale is 0). The
    /// linear protocol of facebookresearch/moco <c>main_lincls.py</c> (He et al. 2020) sets it. Default false.
    /// </summary>
    public bool FreezeBatchNorm { get; init; }

    /// <summary>
    /// Epochs at the start during which only the classifier trains (the backbone without gradient, its BatchNorm in
    /// evaluation mode), before the whole network trains: LP-FT (Kumar et al. 2022, "Fine-Tuning can Distort Pretrained
    /// Features and Underperform Out-of-Distribution"), which keeps a random classifier's first gradients from
    /// disturbing the pretrained backbone. Default 0.
    /// </summary>
    public int HeadOnlyEpochs { get; init; }

    /// <summary>The augmentation of the single view. Default: crop (scale 0.6–1) and flip, no colour changes.</summary>
    public ViewAugmentation Augmentation { get; init; } = new() { Preset = null, CropScaleMin = 0.6 };

    /// <inheritdoc />
    [JsonIgnore]
    public override string Name => "Supervised";

    /// <inheritdoc />
    [JsonIgnore]
    public override IReadOnlyList<ViewAugmentation> Views => [Augmentation];

    /// <inheritdoc />
    [JsonIgnore]
    public override bool NeedsLabels => true;

    /// <inheritdoc />
    [JsonIgnore]
    public override bool KeepsPartialBatch => true;

    /// <inheritdoc />
    [JsonIgnore]
    public override LearningRateScheduleKind RecommendedSchedule => LearningRateScheduleKind.CosinePerStep;

    /// <inheritdoc />
    public override void Validate(TrainingOptions training)
    {
        if (Classes is < 1) throw new ArgumentException($"Method.Classes = {Classes} is not valid: expected null or at least 1.", nameof(Classes));
        if (!(BackboneLearningRateScale >= 0) || double.IsInfinity(BackboneLearningRateScale))
            throw new ArgumentException($"Method.BackboneLearningRateScale = {BackboneLearningRateScale} is not valid: expected a non-negative number.", nameof(BackboneLearningRateScale));
        if (HeadOnlyEpochs < 0 || HeadOnlyEpochs > 0 && HeadOnlyEpochs >= training.Epochs)
            throw new ArgumentException($"Method.HeadOnlyEpochs = {HeadOnlyEpochs} is not valid: expected 0 or more and fewer than the {training.Epochs} epochs.", nameof(HeadOnlyEpochs));
        if (Augmentation is null) throw new ArgumentException("Method.Augmentation is null.", nameof(Augmentation));
        Augmentation.Validate("Method.Augmentation");
    }

    /// <summary>Builds <see cref="SupervisedClassifier"/> for the labels' classes.</summary>
    /// <param name="context">The run (its <see cref="MethodContext.ClassCount"/> is used when <see cref="Classes"/> is null).</param>
    /// <exception cref="ArgumentException">A label is not below <see cref="Classes"/>, or there are no labels.</exception>
    public override ITrainingMethod Create(MethodContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        int seen = context.ClassCount ?? throw new ArgumentException("Supervised training needs labels.", nameof(context));
        if (Classes is { } classes && seen > classes)
            throw new ArgumentException($"The labels go up to {seen - 1}, but Method.Classes = {classes}.", nameof(context));
        var method = new SupervisedClassifier(context.Backbone, Classes ?? seen, context.Device, context.Generator, context.InitialEncoder, BackboneLearningRateScale, FreezeBatchNorm, HeadOnlyEpochs);
        method.train();
        return method;
    }
}
