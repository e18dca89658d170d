namespace MlNetMoco.Core.Training;

/// <summary>What one <see cref="LinearProbe"/> fit measured.</summary>
/// <param name="TestAccuracy">Top-1 accuracy on the held-out rows, in [0, 1].</param>
/// <param name="TrainAccuracy">Top-1 accuracy on the rows it was trained on, in [0, 1].</param>
/// <param name="FinalLoss">Mean cross-entropy on the training rows after the last step (without the L2 term).</param>
public sealed record LinearProbeResult(double TestAccuracy, double TrainAccuracy, double FinalLoss);
