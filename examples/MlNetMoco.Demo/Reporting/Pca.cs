namespace MlNetMoco.Demo.Reporting;

/// <summary>Principal component analysis for 2-D pictures of embeddings: top components by power iteration with deflation.</summary>
public static class Pca
{
    /// <summary>Projects <paramref name="n"/> rows of <paramref name="dim"/> values onto their top <paramref name="components"/> principal components.</summary>
    /// <returns>n × components projections, row-major.</returns>
    public static double[] Project(float[] rows, int n, int dim, int components = 2, int iterations = 200)
    {
        var mean = new double[dim];
        for (int i = 0; i < n; i++)
            for (int d = 0; d < dim; d++) mean[d] += rows[i * dim + d] / (double)n;
        var cov = new double[dim, dim];
        var centered = new double[dim];
        for (int i = 0; i < n; i++)
        {
            for (int d = 0; d < dim; d++) centered[d] = rows[i * dim + d] - mean[d];
            for (int a = 0; a < dim; a++)
                for (int b = a; b < dim; b++) cov[a, b] += centered[a] * centered[b];
        }
        for (int a = 0; a < dim; a++)
            for (int b = a; b < dim; b++) cov[b, a] = cov[a, b] /= Math.Max(1, n - 1);

        var axes = new double[components][];
        var random = new Random(0);
        for (int c = 0; c < components; c++)
        {
            var v = Enumerable.Range(0, dim).Select(_ => random.NextDouble() - 0.5).ToArray();
            for (int it = 0; it < iterations; it++)
            {
                var w = new double[dim];
                for (int a = 0; a < dim; a++)
                    for (int b = 0; b < dim; b++) w[a] += cov[a, b] * v[b];
                double norm = Math.Sqrt(w.Sum(x => x * x));
                if (norm < 1e-300) break;
                v = w.Select(x => x / norm).ToArray();
            }
            double lambda = 0;
            for (int a = 0; a < dim; a++)
                for (int b = 0; b < dim; b++) lambda += v[a] * cov[a, b] * v[b];
            for (int a = 0; a < dim; a++)
                for (int b = 0; b < dim; b++) cov[a, b] -= lambda * v[a] * v[b]; // deflation
            axes[c] = v;
        }

        var result = new double[n * components];
        for (int i = 0; i < n; i++)
            for (int c = 0; c < components; c++)
            {
                double s = 0;
                for (int d = 0; d < dim; d++) s += (rows[i * dim + d] - mean[d]) * axes[c][d];
                result[i * components + c] = s;
            }
        return result;
    }
}
