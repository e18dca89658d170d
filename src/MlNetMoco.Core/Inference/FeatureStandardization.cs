using MlNetMoco.Core.Data;

namespace MlNetMoco.Core.Inference;

/// <summary>
/// Per-dimension standardisation of an encoder's pooled features, f ↦ (f − <see cref="Mean"/>) / <see cref="Std"/>,
/// with statistics measured once on the training images in evaluation mode. Linear classifiers with an L2 penalty
/// (ML.NET's L-BFGS and SDCA trainers) then see features of unit scale: raw MoCo features have magnitudes near 0.05,
/// which the default penalty swamps. An MlNetMoco addition (the papers' linear probes standardise or use BatchNorm
/// before the classifier); stored in encoder files (format 3) and applied in the exported ONNX graph.
/// </summary>
/// <param name="Mean">Mean of each feature dimension over the images it was computed on.</param>
/// <param name="Std">Population standard deviation of each dimension, at least <see cref="MinStd"/>.</param>
public sealed record FeatureStandardization(float[] Mean, float[] Std)
{
    /// <summary>
    /// The smallest standard deviation kept: a dimension that varies less (a dead ReLU channel) is divided by 1 instead,
    /// so it stays a constant 0 after centring rather than amplifying rounding noise. 1e-6.
    /// </summary>
    public const float MinStd = 1e-6f;

    /// <summary>Number of feature dimensions.</summary>
    public int Dim => Mean?.Length ?? 0;

    /// <summary>Checks that there are <paramref name="featureDim"/> finite means and positive finite stds.</summary>
    /// <param name="featureDim">The encoder's feature dimension.</param>
    /// <returns>This instance.</returns>
    /// <exception cref="ArgumentException">A value is missing, of the wrong length, not finite or not positive.</exception>
    public FeatureStandardization Validate(int featureDim)
    {
        if (Mean is null || Std is null) throw new ArgumentException("Feature standardisation: the mean or std is missing.");
        if (Mean.Length != featureDim || Std.Length != featureDim)
            throw new ArgumentException(
                $"Feature standardisation: {Mean.Length} means and {Std.Length} stds for an encoder with {featureDim} features.");
        for (int i = 0; i < featureDim; i++)
        {
            if (!float.IsFinite(Mean[i])) throw new ArgumentException($"Feature standardisation: mean[{i}] = {Mean[i]} is not finite.");
            if (!float.IsFinite(Std[i]) || Std[i] <= 0)
                throw new ArgumentException($"Feature standardisation: std[{i}] = {Std[i]} is not a positive finite number.");
        }
        return this;
    }

    /// <summary>
    /// Measures the per-dimension mean and standard deviation of <paramref name="encoder"/>'s features (without any
    /// standardisation it may already apply) over every image of <paramref name="images"/>, in evaluation mode.
    /// Sums are accumulated in double precision.
    /// </summary>
    /// <param name="encoder">The encoder.</param>
    /// <param name="images">The images (their shape must be the encoder's input shape); at least one.</param>
    /// <param name="batchSize">Images per forward pass (only speed and memory depend on it). Default 256.</param>
    /// <param name="cancellationToken">Checked between batches.</param>
    /// <exception cref="ArgumentException">The shapes differ, the set is empty or the batch size is not positive.</exception>
    public static FeatureStandardization Compute(TrainedEncoder encoder, IImageDataset images, int batchSize = 256,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(images);
        if (images.Shape != encoder.InputShape)
            throw new ArgumentException($"The images have shape {images.Shape}; the encoder takes {encoder.InputShape}.", nameof(images));
        if (images.Count == 0) throw new ArgumentException("Feature standardisation needs at least one image.", nameof(images));
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "Expected 1 or more images per pass.");

        int dim = encoder.FeatureDim, size = images.Shape.Size;
        var sum = new double[dim];
        var sumSquares = new double[dim];
        var pixels = new float[(long)Math.Min(batchSize, images.Count) * size];
        var features = new float[(long)Math.Min(batchSize, images.Count) * dim];
        var indices = new int[Math.Min(batchSize, images.Count)];
        for (int start = 0; start < images.Count; start += batchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int count = Math.Min(batchSize, images.Count - start);
            for (int i = 0; i < count; i++) indices[i] = start + i;
            images.CopyImages(indices.AsSpan(0, count), pixels);
            encoder.ExtractRaw(pixels, count, features);
            for (int r = 0; r < count; r++)
            {
                var row = features.AsSpan(r * dim, dim);
                for (int d = 0; d < dim; d++)
                {
                    double v = row[d];
                    sum[d] += v;
                    sumSquares[d] += v * v;
                }
            }
        }

        var mean = new float[dim];
        var std = new float[dim];
        for (int d = 0; d < dim; d++)
        {
            double m = sum[d] / images.Count;
            double variance = Math.Max(0, sumSquares[d] / images.Count - m * m);
            double s = Math.Sqrt(variance);
            mean[d] = (float)m;
            std[d] = s >= MinStd ? (float)s : 1f;
        }
        return new FeatureStandardization(mean, std);
    }

    /// <summary>Value equality of the two arrays.</summary>
    /// <param name="other">The standardisation to compare with.</param>
    public bool Equals(FeatureStandardization? other) =>
        other is not null && (Mean ?? []).AsSpan().SequenceEqual(other.Mean ?? []) && (Std ?? []).AsSpan().SequenceEqual(other.Std ?? []);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Dim, Dim > 0 ? Mean[0] : 0f, Dim > 0 ? Std[0] : 0f);
}
