using MlNetMoco.Core.Inference;
using MlNetMoco.Core.Training;

namespace MlNetMoco;

public sealed partial class MoCoOptions
{
    /// <summary>
    /// Standardise the feature column per dimension: at the end of Fit, the mean and standard deviation of each
    /// feature over the training images are measured once in evaluation mode, and Transform (and the exported ONNX
    /// graph, and saved models) emit (f − mean)/std. ML.NET's linear trainers (L-BFGS, SDCA) penalise weights with a
    /// default L2 term that swamps raw MoCo features (magnitudes near 0.05), so the column works well as emitted,
    /// without a <c>NormalizeMeanVariance</c> step. False emits the raw pooled features, as the MoCo papers' encoders
    /// do. The projection column is never standardised. Default true (an MlNetMoco addition; see
    /// <see cref="FeatureStandardization"/>).
    /// </summary>
    public bool StandardizeFeatures { get; set; } = MoCoDefaults.StandardizeFeatures;
}
