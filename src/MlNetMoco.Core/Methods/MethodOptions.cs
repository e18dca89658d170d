using System.Text.Json.Serialization;
using MlNetMoco.Core.Optimization;
using MlNetMoco.Core.Training;

namespace MlNetMoco.Core.Methods;

/// <summary>
/// The settings of a training method and its factory: <see cref="Create"/> builds the method for a run, and
/// <see cref="Views"/> declares one augmentation pipeline per view. Stored polymorphically in JSON (a <c>"Kind"</c>
/// tag) inside checkpoints and encoder files. A new method is one file for its module (<see cref="ITrainingMethod"/>)
/// and one for its options deriving from this record, plus a <see cref="JsonDerivedTypeAttribute"/> line here.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "Kind")]
[JsonDerivedType(typeof(MoCoMethodOptions), "MoCo")]
[JsonDerivedType(typeof(SupervisedMethodOptions), "Supervised")]
[JsonDerivedType(typeof(EndToEndMethodOptions), "EndToEnd")]
[JsonDerivedType(typeof(MemoryBankMethodOptions), "MemoryBank")]
[JsonDerivedType(typeof(MoCoV3MethodOptions), "MoCoV3")]
public abstract record MethodOptions
{
    /// <summary>The method's name as these options configure it, e.g. "MoCo v2".</summary>
    [JsonIgnore]
    public abstract string Name { get; }

    /// <summary>One augmentation per view the method's <see cref="ITrainingMethod.Step"/> takes, in order.</summary>
    [JsonIgnore]
    public abstract IReadOnlyList<ViewAugmentation> Views { get; }

    /// <summary>Whether the method needs a label per image (supervised training). Default false.</summary>
    [JsonIgnore]
    public virtual bool NeedsLabels => false;

    /// <summary>
    /// Whether an epoch ends with the last partial batch (when it has at least 2 images) instead of dropping it.
    /// Default false: self-supervised methods drop it, as facebookresearch/moco's loader does.
    /// </summary>
    [JsonIgnore]
    public virtual bool KeepsPartialBatch => false;

    /// <summary>The learning-rate schedule used when <see cref="TrainingOptions.Schedule"/> is null. Default cosine.</summary>
    [JsonIgnore]
    public virtual LearningRateScheduleKind RecommendedSchedule => LearningRateScheduleKind.Cosine;

    /// <summary>
    /// Throws <see cref="ArgumentException"/> naming the first setting that is out of range, alone or with the run's
    /// settings (e.g. a batch size that Shuffle-BN's splits do not divide). Called before any data is read.
    /// </summary>
    /// <param name="training">The run's settings.</param>
    public abstract void Validate(TrainingOptions training);

    /// <summary>Builds the method for a run, on <see cref="MethodContext.Device"/>, in training mode.</summary>
    /// <param name="context">The backbone, image shape, data and batch sizes, device, initial generator and log.</param>
    public abstract ITrainingMethod Create(MethodContext context);
}
