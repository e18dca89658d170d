namespace MlNetMoco.Benchmarks;

/// <summary>
/// One figure of a case: a throughput (items per second) and, when given, the bare reference it is compared with,
/// measured on the same device in the same process.
/// </summary>
/// <param name="Figure">What was measured.</param>
/// <param name="Value">Items per second (NaN when it could not be measured).</param>
/// <param name="Unit">"img/s" or "rows/s".</param>
/// <param name="Reference">Short name of the bare reference, e.g. "fwd+bwd"; null when there is none.</param>
/// <param name="ReferenceValue">The reference's items per second.</param>
/// <param name="Note">Samples, spread or why the value is missing.</param>
internal sealed record ResultRow(string Figure, double Value, string Unit, string? Reference = null, double? ReferenceValue = null, string? Note = null)
{
    /// <summary>
    /// Time per item of this figure divided by time per item of the reference (= reference rate / this rate):
    /// 3.0 means three times the bare cost; below 1 means cheaper than the reference.
    /// </summary>
    public double? Ratio => ReferenceValue is double reference && double.IsFinite(reference) && Value > 0 && double.IsFinite(Value)
        ? reference / Value
        : null;
}
