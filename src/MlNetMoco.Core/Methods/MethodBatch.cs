using MlNetMoco.Core.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Methods;

/// <summary>What the loop gives <see cref="ITrainingMethod.Step"/> for one batch of N images.</summary>
/// <param name="Views">One augmented view per pipeline of the method's options, each N×C×H×W, normalised, on the training device.</param>
/// <param name="Indices">The images' indices in the data set, N int64 values on the training device (keys of a memory bank).</param>
/// <param name="Labels">The images' 0-based classes, N int64 values on the training device, or null when the data has none.</param>
/// <param name="Position">Epoch, step and fraction of training done (e.g. for a momentum schedule).</param>
/// <param name="Generator">CPU generator for the method's own random choices (e.g. Shuffle-BN's permutation), seeded from (seed, epoch, step).</param>
public sealed record MethodBatch(IReadOnlyList<Tensor> Views, Tensor Indices, Tensor? Labels, TrainingPosition Position, Generator Generator);
