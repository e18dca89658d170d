namespace MlNetMoco.Demo.Reporting;

/// <summary>One linear-probe result.</summary>
/// <param name="Method">Where the features come from, e.g. "MoCo v2 (frozen)".</param>
/// <param name="LabelBudget">The share of the pool that is labelled, e.g. "10%".</param>
/// <param name="Labels">Number of labelled images.</param>
/// <param name="Accuracy">Test accuracy in [0, 1].</param>
/// <param name="MacroAccuracy">Optional macro-averaged accuracy (mean per-class recall) in [0, 1].</param>
public sealed record ResultRow(string Method, string LabelBudget, int Labels, double Accuracy, double? MacroAccuracy = null);
