namespace MlNetMoco.Core.Data;

/// <summary>Per-channel statistics of an image data set, for normalisation.</summary>
public static class DatasetStatistics
{
    /// <summary>Mean and standard deviation of each channel over all images and pixels (in [0, 1] units; std ≥ 1e-3).</summary>
    public static ImageNormalization Compute(IImageDataset data, int chunk = 256)
    {
        var shape = data.Shape;
        int plane = shape.Height * shape.Width;
        var sum = new double[shape.Channels];
        var sumSq = new double[shape.Channels];
        var buffer = new float[chunk * shape.Size];
        var indices = new int[chunk];
        for (int start = 0; start < data.Count; start += chunk)
        {
            int n = Math.Min(chunk, data.Count - start);
            for (int i = 0; i < n; i++) indices[i] = start + i;
            data.CopyImages(indices.AsSpan(0, n), buffer);
            for (int img = 0; img < n; img++)
                for (int c = 0; c < shape.Channels; c++)
                {
                    double s = 0, s2 = 0;
                    foreach (float v in buffer.AsSpan(img * shape.Size + c * plane, plane)) { s += v; s2 += v * v; }
                    sum[c] += s;
                    sumSq[c] += s2;
                }
        }
        double count = Math.Max(1.0, (double)data.Count * plane);
        var mean = new float[shape.Channels];
        var std = new float[shape.Channels];
        for (int c = 0; c < shape.Channels; c++)
        {
            double m = sum[c] / count;
            mean[c] = (float)m;
            std[c] = (float)Math.Max(Math.Sqrt(Math.Max(sumSq[c] / count - m * m, 0)), 1e-3);
        }
        return new ImageNormalization(mean, std);
    }
}
