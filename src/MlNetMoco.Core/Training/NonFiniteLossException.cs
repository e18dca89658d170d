namespace MlNetMoco.Core.Training;

/// <summary>Thrown when the loss of a step is NaN or infinite; training stops at that step.</summary>
public sealed class NonFiniteLossException : Exception
{
    /// <summary>Creates the exception.</summary>
    public NonFiniteLossException(int epoch, int step, long globalStep, double loss, string? checkpointPath)
        : base($"The loss became {loss} at epoch {epoch}, step {step} (global step {globalStep}); training stopped. " +
               (checkpointPath is null ? "No checkpoint directory was set, so nothing was saved. " : $"The state at that step was saved to '{checkpointPath}' for inspection. ") +
               "Lower the learning rate, raise the temperature or check the input pixels for extreme values.")
    {
        Epoch = epoch;
        Step = step;
        GlobalStep = globalStep;
        CheckpointPath = checkpointPath;
    }

    /// <summary>Zero-based epoch of the failing step.</summary>
    public int Epoch { get; }

    /// <summary>Zero-based step within the epoch.</summary>
    public int Step { get; }

    /// <summary>Zero-based step counted from the start of training.</summary>
    public long GlobalStep { get; }

    /// <summary>The checkpoint written at the failure, if any.</summary>
    public string? CheckpointPath { get; }
}
