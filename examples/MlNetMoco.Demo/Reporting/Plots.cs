using System.Globalization;
using MlNetMoco.Core.Training;

namespace MlNetMoco.Demo.Reporting;

/// <summary>The pictures of the main job, written as PNG files.</summary>
public static class Plots
{
    /// <summary>
    /// Pretraining curves, 900×500: the InfoNCE loss per epoch (left) and the k-NN monitor accuracy with the
    /// (K+1)-way contrastive accuracy per epoch (right). Only end-of-epoch reports are drawn when there are any.
    /// </summary>
    public static void TrainingCurves(string path, IReadOnlyList<TrainingProgress> epochs)
    {
        ArgumentNullException.ThrowIfNull(epochs);
        var reports = epochs.Any(e => e.EndOfEpoch) ? epochs.Where(e => e.EndOfEpoch).ToList() : epochs.ToList();
        var x = reports.Select(e => (double)e.Epoch + 1).ToArray();
        var loss = new Chart("InfoNCE loss per epoch", "epoch", "loss").Line("loss", x, reports.Select(e => e.Loss));
        var accuracy = new Chart("Accuracy per epoch", "epoch", "accuracy (%)") { AlwaysShowLegend = true, LegendInside = true };
        var knn = reports.Where(e => e.KnnAccuracy.HasValue).ToList();
        if (knn.Count > 0) accuracy.Line("k-NN monitor", knn.Select(e => (double)e.Epoch + 1), knn.Select(e => 100 * e.KnnAccuracy!.Value));
        accuracy.Line("(K+1)-way contrastive", x, reports.Select(e => 100 * e.ContrastiveAccuracy));
        Chart.SavePng(path, 900, 500, loss, accuracy);
    }

    /// <summary>Test accuracy against the number of labels (log scale), one line per method, 900×500.</summary>
    public static void AccuracyVsLabels(string path, IReadOnlyList<ResultRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var chart = new Chart("Test accuracy vs labels (probes and fine-tuning)", "labelled images (log scale)", "test accuracy (%)") { LogX = true, AlwaysShowLegend = true };
        foreach (var group in rows.GroupBy(r => r.Method))
        {
            var points = group.OrderBy(r => r.Labels).ToList();
            chart.Line(group.Key, points.Select(r => (double)r.Labels), points.Select(r => 100 * r.Accuracy));
        }
        Chart.SavePng(path, 900, 500, chart);
    }

    /// <summary>
    /// A 2-D PCA projection of embeddings coloured by class, with a legend of class names, 900×650.
    /// </summary>
    /// <param name="path">PNG file to write.</param>
    /// <param name="features">n × <paramref name="dim"/> embeddings, row-major.</param>
    /// <param name="dim">Embedding size.</param>
    /// <param name="labels">Class index of each row, into <paramref name="classNames"/>; rows with other values are left out.</param>
    /// <param name="classNames">Legend names.</param>
    public static void Embedding2D(string path, float[] features, int dim, int[] labels, string[] classNames)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(classNames);
        int n = labels.Length;
        var pca = Pca.Fit(features, n, dim, components: 2);
        var xy = pca.Transform(features, n);
        var ratio = pca.ExplainedVarianceRatio;
        string Axis(int c) => c < ratio.Count ? string.Create(CultureInfo.InvariantCulture, $"PC {c + 1} ({100 * ratio[c]:F1}% of variance)") : $"PC {c + 1}";
        int k = pca.Components.Count;
        var chart = new Chart(string.Create(CultureInfo.InvariantCulture, $"Test embeddings: 2-D PCA projection ({n:N0} images)"), Axis(0), Axis(1)) { AlwaysShowLegend = true };
        for (int c = 0; c < classNames.Length; c++)
        {
            var idx = Enumerable.Range(0, n).Where(i => labels[i] == c).ToArray();
            chart.Points(classNames[c], idx.Select(i => xy[k * i]), idx.Select(i => k > 1 ? xy[k * i + 1] : 0));
        }
        Chart.SavePng(path, 900, 650, chart);
    }
}
