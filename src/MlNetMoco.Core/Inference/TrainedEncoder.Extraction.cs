using System.Runtime.InteropServices;
using MlNetMoco.Core.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Inference;

// Feature extraction: checks, chunks of at most MaxImagesPerForward images, normalisation, standardisation.
public sealed partial class TrainedEncoder
{
    /// <summary>
    /// Encodes <paramref name="count"/> images in forward passes of at most <see cref="MaxImagesPerForward"/>: normalises them
    /// with (x − mean)/std, runs the network in evaluation mode without gradients on <see cref="Device"/> and writes
    /// the pooled features (standardised when <see cref="FeatureStandardization"/> is set) and, when <paramref name="projections"/> is not empty, the projection head's output.
    /// </summary>
    /// <remarks>
    /// A single image is run as a batch of two (the image twice) and the first row kept: libtorch's CPU convolution
    /// takes another code path for a batch of one, whose results differ from the batched ones in the last bits, while
    /// every batch of two or more gives a row the same bits wherever it sits. So an image's pooled features are
    /// bit-identical whatever the batch size of the call and the image's position in it. The projections are equal up
    /// to rounding only: the head's matrix products on the CPU may round rows differently depending on the batch size.
    /// </remarks>
    /// <param name="pixelsIn01">The images one after another, C×H×W each, values in [0, 1]; at least count·<see cref="ImageShape.Size"/> values (the first ones are read).</param>
    /// <param name="count">Number of images (0 does nothing).</param>
    /// <param name="features">Receives count×<see cref="FeatureDim"/> values, row-major (at least that many).</param>
    /// <param name="projections">Empty, or receives count×<see cref="ProjectionDim"/> values, row-major (the head reads the unstandardised features).</param>
    /// <exception cref="ArgumentException">A span is too small or <paramref name="count"/> is negative.</exception>
    /// <exception cref="ObjectDisposedException">The encoder was disposed.</exception>
    public void Extract(ReadOnlySpan<float> pixelsIn01, int count, Span<float> features, Span<float> projections = default) =>
        ExtractCore(pixelsIn01, count, features, projections, standardize: true);

    /// <summary>As <see cref="Extract(ReadOnlySpan{float}, int, Span{float}, Span{float})"/>, without the feature standardisation.</summary>
    internal void ExtractRaw(ReadOnlySpan<float> pixelsIn01, int count, Span<float> features) =>
        ExtractCore(pixelsIn01, count, features, default, standardize: false);

    private void ExtractCore(ReadOnlySpan<float> pixelsIn01, int count, Span<float> features, Span<float> projections, bool standardize)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, "The number of images cannot be negative.");
        var shape = InputShape;
        long inputLength = (long)count * shape.Size;
        if (pixelsIn01.Length < inputLength)
            throw new ArgumentException($"{count} image(s) of shape {shape} need {inputLength} values, got {pixelsIn01.Length}.", nameof(pixelsIn01));
        long featureLength = (long)count * FeatureDim;
        if (features.Length < featureLength)
            throw new ArgumentException($"{count} image(s) give {featureLength} feature values, the destination holds {features.Length}.", nameof(features));
        long projectionLength = (long)count * ProjectionDim;
        bool wantProjections = !projections.IsEmpty;
        if (wantProjections && projections.Length < projectionLength)
            throw new ArgumentException($"{count} image(s) give {projectionLength} projection values, the destination holds {projections.Length}.", nameof(projections));
        if (count == 0) return;

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var noGrad = no_grad();
            _network.eval();
            for (int start = 0; start < count; start += MaxImagesPerForward)
            {
                int n = Math.Min(MaxImagesPerForward, count - start);
                EncodeChunk(pixelsIn01.Slice((int)((long)start * shape.Size), (int)((long)n * shape.Size)), n,
                    features.Slice(start * FeatureDim, n * FeatureDim),
                    wantProjections ? projections.Slice(start * ProjectionDim, n * ProjectionDim) : default, standardize);
            }
        }
    }

    // One forward pass of count ≤ MaxImagesPerForward images, in its own dispose scope.
    private void EncodeChunk(ReadOnlySpan<float> pixelsIn01, int count, Span<float> features, Span<float> projections, bool standardize)
    {
        var shape = InputShape;
        using var scope = NewDisposeScope();
        int batch = count == 1 ? 2 : count; // see the remarks of Extract
        var cpu = empty(new long[] { batch, shape.Channels, shape.Height, shape.Width }, ScalarType.Float32);
        var input = MemoryMarshal.AsBytes(pixelsIn01);
        var bytes = cpu.bytes;
        input.CopyTo(bytes);
        if (batch > count) input.CopyTo(bytes[input.Length..]);
        var x = cpu.to(Device).sub(_mean).div_(_std);
        var pooled = _network.Features(x);
        var emitted = standardize && _featureMean is not null ? pooled.sub(_featureMean).div_(_featureStd!) : pooled;
        CopyOut(emitted, count, features);
        if (!projections.IsEmpty)
            CopyOut(_network.Head.call(pooled), count, projections);
    }

    /// <summary>Copies the first <paramref name="rows"/> rows of <paramref name="values"/> as float32 to <paramref name="destination"/>.</summary>
    private static void CopyOut(Tensor values, int rows, Span<float> destination)
    {
        var cpu = values.narrow(0, 0, rows).to(ScalarType.Float32).cpu().contiguous();
        MemoryMarshal.Cast<byte, float>(cpu.bytes).CopyTo(destination);
    }
}
