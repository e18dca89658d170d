using MlNetMoco.Core.Data;

namespace MlNetMoco.Core.Checkpoints;

/// <summary>The JSON part of a checkpoint: where training stands and how it was configured.</summary>
public sealed record CheckpointHeader
{
    /// <summary>The method, e.g. "MoCo v2".</summary>
    public required string Method { get; init; }

    /// <summary>Zero-based epoch training continues in.</summary>
    public required int Epoch { get; init; }

    /// <summary>Zero-based step within <see cref="Epoch"/> training continues at (0 at an epoch boundary).</summary>
    public required int StepInEpoch { get; init; }

    /// <summary>Steps run so far in total.</summary>
    public required long GlobalStep { get; init; }

    /// <summary>The pretraining options, as JSON (<see cref="Training.PretrainOptionsJson"/>).</summary>
    public required string OptionsJson { get; init; }

    /// <summary>Shape of the training images.</summary>
    public required ImageShape InputShape { get; init; }

    /// <summary>Normalisation used by training.</summary>
    public required ImageNormalization Normalization { get; init; }

    /// <summary>The queue size in use (after clamping to the data set size).</summary>
    public required int QueueSize { get; init; }

    /// <summary>Why the checkpoint was written: "interval", "end", "cancelled" or "non-finite loss".</summary>
    public required string Reason { get; init; }
}
