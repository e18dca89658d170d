using MlNetMoco.Core.Data;

namespace MlNetMoco.Core.Checkpoints;

/// <summary>
/// The JSON part of a checkpoint: where training stands and how it was configured. It holds nothing specific to a
/// method: the method's state (a MoCo queue included) is its module's state dict.
/// </summary>
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

    /// <summary>The training options, as JSON (<see cref="Training.TrainingOptionsJson"/>).</summary>
    public required string OptionsJson { get; init; }

    /// <summary>Shape of the training images.</summary>
    public required ImageShape InputShape { get; init; }

    /// <summary>Normalisation used by training.</summary>
    public required ImageNormalization Normalization { get; init; }

    /// <summary>Number of training images (the epoch order, and sizes a method derives from it, depend on it).</summary>
    public required int ImageCount { get; init; }

    /// <summary>The <see cref="Inference.EncoderDescription"/> JSON of the method's online encoder (backbone and head).</summary>
    public required string EncoderJson { get; init; }

    /// <summary>The prefix of the online encoder's tensors in the model state, e.g. "encoder_q." for MoCo.</summary>
    public required string EncoderPrefix { get; init; }

    /// <summary>Why the checkpoint was written: "interval", "end", "cancelled" or "non-finite loss".</summary>
    public required string Reason { get; init; }
}
