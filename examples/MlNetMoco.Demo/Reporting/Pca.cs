using System.Numerics;

namespace MlNetMoco.Demo.Reporting;

/// <summary>
/// Principal component analysis for 2-D pictures of embeddings: the rows are centred, their D×D covariance is
/// formed, and the top eigenvectors are found one after another by power iteration with deflation.
/// </summary>
public sealed class Pca
{
    private Pca(double[] mean, double[][] components, double[] variances, double totalVariance)
    {
        Mean = mean;
        Components = components;
        Variances = variances;
        TotalVariance = totalVariance;
    }

    /// <summary>The mean row that is subtracted before projecting.</summary>
    public IReadOnlyList<double> Mean { get; }

    /// <summary>The principal axes, unit length, by decreasing variance; each has its largest-magnitude coordinate positive.</summary>
    public IReadOnlyList<double[]> Components { get; }

    /// <summary>The variance along each principal axis (eigenvalues of the sample covariance, divisor n − 1).</summary>
    public IReadOnlyList<double> Variances { get; }

    /// <summary>The total variance (trace of the covariance).</summary>
    public double TotalVariance { get; }

    /// <summary>The share of the total variance along each axis.</summary>
    public IReadOnlyList<double> ExplainedVarianceRatio => Variances.Select(v => TotalVariance > 0 ? v / TotalVariance : 0).ToArray();

    /// <summary>Fits the top <paramref name="components"/> principal axes of <paramref name="n"/> rows of <paramref name="dim"/> values.</summary>
    /// <param name="rows">n × dim values, row-major.</param>
    /// <param name="n">Number of rows.</param>
    /// <param name="dim">Values per row.</param>
    /// <param name="components">How many axes (at most <paramref name="dim"/>).</param>
    /// <param name="maxIterations">Power-iteration limit per axis.</param>
    /// <param name="tolerance">Stop when successive estimates of an axis differ by less than this (1 − |cos|).</param>
    public static Pca Fit(ReadOnlySpan<float> rows, int n, int dim, int components = 2, int maxIterations = 1000, double tolerance = 1e-12)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(dim, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(components, 1);
        if (rows.Length != n * dim) throw new ArgumentException($"Expected {n}×{dim} = {n * dim} values, got {rows.Length}.", nameof(rows));
        components = Math.Min(components, dim);

        var mean = new double[dim];
        for (int i = 0; i < n; i++)
        {
            var row = rows.Slice(i * dim, dim);
            for (int d = 0; d < dim; d++) mean[d] += row[d];
        }
        for (int d = 0; d < dim; d++) mean[d] /= n;

        // Upper triangle of Σ (x − μ)(x − μ)ᵀ, one row update per sample, then mirrored and scaled.
        var cov = new double[dim * dim];
        var centred = new double[dim];
        for (int i = 0; i < n; i++)
        {
            var row = rows.Slice(i * dim, dim);
            for (int d = 0; d < dim; d++) centred[d] = row[d] - mean[d];
            for (int a = 0; a < dim; a++)
            {
                double ca = centred[a];
                if (ca != 0) AddScaled(cov.AsSpan(a * dim + a, dim - a), centred.AsSpan(a), ca);
            }
        }
        double scale = 1.0 / Math.Max(1, n - 1);
        double total = 0;
        for (int a = 0; a < dim; a++)
        {
            for (int b = a; b < dim; b++) cov[b * dim + a] = cov[a * dim + b] *= scale;
            total += cov[a * dim + a];
        }

        var axes = new double[components][];
        var variances = new double[components];
        var w = new double[dim];
        for (int c = 0; c < components; c++)
        {
            // A deterministic start that is unlikely to be orthogonal to the top eigenvector.
            var v = new double[dim];
            for (int d = 0; d < dim; d++) v[d] = 1.0 + 0.01 * ((d * 7919 + c * 104729) % 101);
            Normalize(v);
            for (int it = 0; it < maxIterations; it++)
            {
                Multiply(cov, v, w, dim);
                double norm = Math.Sqrt(Dot(w, w));
                if (norm < 1e-300) break; // nothing left: any unit vector will do
                double cos = Dot(w, v) / norm;
                for (int d = 0; d < dim; d++) v[d] = w[d] / norm;
                if (1 - Math.Abs(cos) < tolerance) break;
            }
            Multiply(cov, v, w, dim);
            double lambda = Math.Max(0, Dot(v, w));
            for (int a = 0; a < dim; a++)
                for (int b = 0; b < dim; b++) cov[a * dim + b] -= lambda * v[a] * v[b];
            int largest = 0;
            for (int d = 1; d < dim; d++) if (Math.Abs(v[d]) > Math.Abs(v[largest])) largest = d;
            if (v[largest] < 0) for (int d = 0; d < dim; d++) v[d] = -v[d];
            axes[c] = v;
            variances[c] = lambda;
        }
        return new Pca(mean, axes, variances, total);
    }

    /// <summary>Projects <paramref name="n"/> rows onto the principal axes.</summary>
    /// <returns>n × components coordinates, row-major.</returns>
    public double[] Transform(ReadOnlySpan<float> rows, int n)
    {
        int dim = Mean.Count, k = Components.Count;
        if (rows.Length != n * dim) throw new ArgumentException($"Expected {n}×{dim} = {n * dim} values, got {rows.Length}.", nameof(rows));
        var result = new double[n * k];
        for (int i = 0; i < n; i++)
        {
            var row = rows.Slice(i * dim, dim);
            for (int c = 0; c < k; c++)
            {
                var axis = Components[c];
                double s = 0;
                for (int d = 0; d < dim; d++) s += (row[d] - Mean[d]) * axis[d];
                result[i * k + c] = s;
            }
        }
        return result;
    }

    /// <summary>Fits and projects in one call: n × <paramref name="components"/> coordinates, row-major.</summary>
    public static double[] Project(ReadOnlySpan<float> rows, int n, int dim, int components = 2) =>
        Fit(rows, n, dim, components).Transform(rows, n);

    private static void AddScaled(Span<double> target, ReadOnlySpan<double> source, double factor)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var f = new Vector<double>(factor);
            for (; i <= target.Length - Vector<double>.Count; i += Vector<double>.Count)
                (new Vector<double>(target[i..]) + f * new Vector<double>(source[i..])).CopyTo(target[i..]);
        }
        for (; i < target.Length; i++) target[i] += factor * source[i];
    }

    private static void Multiply(double[] matrix, double[] v, double[] result, int dim)
    {
        for (int a = 0; a < dim; a++) result[a] = Dot(matrix.AsSpan(a * dim, dim), v);
    }

    private static double Dot(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        double s = 0;
        for (int i = 0; i < x.Length; i++) s += x[i] * y[i];
        return s;
    }

    private static void Normalize(double[] v)
    {
        double norm = Math.Sqrt(Dot(v, v));
        for (int d = 0; d < v.Length; d++) v[d] /= norm;
    }
}
