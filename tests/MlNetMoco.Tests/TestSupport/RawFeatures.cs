using MlNetMoco.Core.Inference;

namespace MlNetMoco.Tests.TestSupport;

/// <summary>
/// Standardised features mapped back to the encoder's raw pooled units, f·std + mean, for parity checks: the backbone's
/// outputs agree to 1e-4 across TorchSharp and ONNX Runtime, and standardising divides a difference by each
/// dimension's std (which can be small), so bounds are stated in raw units.
/// </summary>
public static class RawFeatures
{
    public static float[] Of(float[] features, FeatureStandardization? standardization)
    {
        if (standardization is null) return features;
        int dim = standardization.Dim;
        var raw = new float[features.Length];
        for (int i = 0; i < features.Length; i++) raw[i] = features[i] * standardization.Std[i % dim] + standardization.Mean[i % dim];
        return raw;
    }

    public static IEnumerable<float[]> Of(IEnumerable<float[]> rows, FeatureStandardization? standardization) =>
        rows.Select(r => Of(r, standardization));
}
