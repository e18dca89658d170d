namespace MlNetMoco;

/// <summary>One epoch of the training report (<see cref="MoCoReport"/>).</summary>
/// <param name="Epoch">Zero-based epoch.</param>
/// <param name="ProbeAccuracy">The linear probe's held-out accuracy on the encoder's pooled features, in [0, 1].</param>
/// <param name="KnnAccuracy">The k-NN monitor's accuracy (k = <see cref="MoCoOptions.KnnNeighbors"/>), in [0, 1]: on the report's held-out rows, or on <see cref="MoCoOptions.KnnMonitor"/>'s test images when that is set.</param>
public sealed record MoCoReportEpoch(int Epoch, double ProbeAccuracy, double? KnnAccuracy);
