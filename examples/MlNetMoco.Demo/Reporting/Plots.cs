using MlNetMoco.Core.Training;

namespace MlNetMoco.Demo.Reporting;

/// <summary>The pictures of the main job.</summary>
public static class Plots
{
    /// <summary>Pretraining loss and k-NN monitor accuracy per epoch, side by side.</summary>
    public static void TrainingCurves(string path, IReadOnlyList<TrainingProgress> epochs)
    {
        var x = epochs.Select(e => (double)e.Epoch + 1).ToArray();
        var loss = new Chart("InfoNCE loss per epoch", "epoch", "loss").Line("loss", x, epochs.Select(e => e.Loss));
        var knn = new Chart("k-NN monitor accuracy per epoch", "epoch", "accuracy (%)")
            .Line("k-NN", epochs.Where(e => e.KnnAccuracy.HasValue).Select(e => (double)e.Epoch + 1), epochs.Where(e => e.KnnAccuracy.HasValue).Select(e => 100 * e.KnnAccuracy!.Value));
        Chart.SavePng(path, 1100, 450, loss, knn);
    }

    /// <summary>Test accuracy against the number of labels, one line per method.</summary>
    public static void AccuracyVsLabels(string path, IReadOnlyList<ResultRow> rows)
    {
        var chart = new Chart("Linear-probe accuracy vs labels", "labelled images (log scale)", "test accuracy (%)") { LogX = true };
        foreach (var group in rows.GroupBy(r => r.Method))
            chart.Line(group.Key, group.Select(r => (double)r.Labels), group.Select(r => 100 * r.Accuracy));
        Chart.SavePng(path, 900, 500, chart);
    }

    /// <summary>A 2-D PCA projection of embeddings, coloured by class.</summary>
    public static void Embedding2D(string path, float[] features, int dim, int[] labels, string[] classNames)
    {
        int n = labels.Length;
        var xy = Pca.Project(features, n, dim);
        var chart = new Chart("Test embeddings, first two principal components", "PC 1", "PC 2");
        for (int c = 0; c < classNames.Length; c++)
        {
            var idx = Enumerable.Range(0, n).Where(i => labels[i] == c).ToArray();
            chart.Points(classNames[c], idx.Select(i => xy[2 * i]), idx.Select(i => xy[2 * i + 1]));
        }
        Chart.SavePng(path, 900, 650, chart);
    }
}
