using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Augmentations;

/// <summary>
/// One batched, seeded data augmentation: every sample of the batch gets its own random parameters.
/// </summary>
/// <remarks>
/// Random parameters are drawn on the CPU <see cref="torch.Generator"/> passed to <see cref="Apply"/> and only then
/// moved to the images' device, so the same seed gives the same parameters (and, up to floating-point differences of
/// the kernels, the same output) on CPU and CUDA. The number of values an op draws depends only on the batch size, not
/// on the pixels, so a pipeline consumes the generator in a reproducible way.
/// </remarks>
public interface IBatchAugmentation
{
    /// <summary>Augments a batch and returns a new tensor; the input is never modified.</summary>
    /// <param name="images">float32 N×C×H×W tensor on any device, values in [0, 1] (except for normalisation's output).</param>
    /// <param name="generator">CPU generator the random parameters are drawn from.</param>
    /// <returns>A new N×C×H'×W' tensor on the images' device (H'×W' = H×W except for cropping ops).</returns>
    Tensor Apply(Tensor images, torch.Generator generator);
}
