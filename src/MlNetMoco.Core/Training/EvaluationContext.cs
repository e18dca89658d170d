using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Data;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Training;

/// <summary>What an <see cref="IEpochEvaluator"/> sees at the end of an epoch.</summary>
/// <param name="Encoder">The method's online encoder (backbone with its head in <c>fc</c>), in evaluation mode; put back in training mode afterwards by the loop.</param>
/// <param name="Normalization">Per-channel normalisation of the [0, 1] pixels the encoder takes.</param>
/// <param name="Device">The training device.</param>
/// <param name="Epoch">Zero-based epoch just finished.</param>
/// <param name="Epochs">Epochs of the run.</param>
/// <param name="Metrics">Metrics already computed for this epoch (by earlier evaluators, and "loss", "accuracy").</param>
public sealed record EvaluationContext(Backbone Encoder, ImageNormalization Normalization, Device Device, int Epoch, int Epochs,
    IReadOnlyDictionary<string, double> Metrics);
