using static TorchSharp.torch;

namespace MlNetMoco.Core.Methods;

/// <summary>What one <see cref="ITrainingMethod.Step"/> returns.</summary>
/// <param name="Loss">Scalar loss with a gradient.</param>
/// <param name="Accuracy">The method's accuracy on the batch (MoCo: (K+1)-way top-1 of the positive key; supervised: training accuracy), or NaN when it has none.</param>
/// <param name="Embeddings">Detached N×D embeddings of the first view for the collapse metric, or null.</param>
public sealed record MethodStepOutput(Tensor Loss, double Accuracy, Tensor? Embeddings);
