using MlNetMoco.Core.Backbones;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Methods;

/// <summary>
/// A two-view self-supervised method (MoCo; later SimCLR, BYOL, SimSiam, Barlow Twins, DINO, …) as the
/// pretraining loop sees it: given two augmented views of a batch, compute a loss; after the optimizer step,
/// update any non-gradient state. The loop owns data, augmentation, optimisation, checkpoints and progress.
/// </summary>
public interface ISelfSupervisedMethod : IDisposable
{
    /// <summary>The method's name, e.g. "MoCo v2".</summary>
    string Name { get; }

    /// <summary>The module holding all of the method's state (parameters and buffers), for checkpoints.</summary>
    nn.Module Module { get; }

    /// <summary>The encoder whose pooled features are the learned representation (with its projection head in <c>fc</c>).</summary>
    Backbone OnlineEncoder { get; }

    /// <summary>The parameters the optimizer updates.</summary>
    IEnumerable<Parameter> TrainableParameters();

    /// <summary>Computes the loss on two views (N×C×H×W, normalised, on the training device).</summary>
    /// <param name="view1">First view (the queries, for MoCo).</param>
    /// <param name="view2">Second view (the keys, for MoCo).</param>
    /// <param name="generator">CPU generator for the method's own random choices (e.g. the Shuffle-BN permutation).</param>
    MethodStepOutput Step(Tensor view1, Tensor view2, Generator generator);
}

/// <summary>What one <see cref="ISelfSupervisedMethod.Step"/> returns.</summary>
/// <param name="Loss">Scalar loss with a gradient.</param>
/// <param name="Accuracy">The method's pretext accuracy (MoCo: (K+1)-way top-1), or NaN when it has none.</param>
/// <param name="Embeddings">Detached N×D embeddings of the first view, for the collapse metric.</param>
public sealed record MethodStepOutput(Tensor Loss, double Accuracy, Tensor Embeddings);
