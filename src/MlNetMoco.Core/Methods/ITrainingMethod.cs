using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Heads;
using MlNetMoco.Core.Optimization;
using MlNetMoco.Core.Training;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Methods;

/// <summary>
/// A training method as the one loop (<see cref="Trainer"/>) sees it: self-supervised (MoCo; next SimCLR, BYOL,
/// SimSiam, Barlow Twins, DINO, …) or supervised. Given a batch of augmented views (one pipeline per view, declared by
/// its <see cref="MethodOptions"/>), the sample indices, the labels when the data has them and the position in
/// training, it computes a loss; after the optimizer step it may update state that has no gradient (e.g. a
/// momentum target). The loop owns data, augmentation, optimisation, schedules, checkpoints, evaluation and progress.
/// </summary>
/// <remarks>
/// A method is one <c>nn.Module</c> holding all of its state (parameters and buffers, a queue included), so a
/// checkpoint is its state dict and needs no method-specific fields. <see cref="MethodOptions.Create"/> builds it.
/// </remarks>
public interface ITrainingMethod : IDisposable
{
    /// <summary>The method's name, e.g. "MoCo v2".</summary>
    string Name { get; }

    /// <summary>The module holding all of the method's state (parameters and buffers), for checkpoints.</summary>
    nn.Module Module { get; }

    /// <summary>The encoder whose pooled features are the learned representation, with its head in <c>fc</c>.</summary>
    Backbone OnlineEncoder { get; }

    /// <summary>The blocks of <see cref="OnlineEncoder"/>'s head (stored in encoder files).</summary>
    HeadSpec OnlineHead { get; }

    /// <summary>The prefix of <see cref="OnlineEncoder"/>'s tensors in <see cref="Module"/>'s state dict, e.g. "encoder_q.".</summary>
    string OnlineEncoderPrefix { get; }

    /// <summary>
    /// The parameters the optimizer updates, with their names, in groups (e.g. backbone and head at different learning
    /// rates, or biases and normalisation parameters without weight decay).
    /// </summary>
    IReadOnlyList<ParameterGroup> TrainableParameters();

    /// <summary>Computes the loss of one batch (forward pass, plus any state the method updates as part of it).</summary>
    /// <param name="batch">Views, sample indices, labels, position and the step's random generator.</param>
    MethodStepOutput Step(MethodBatch batch);

    /// <summary>
    /// Called after each optimizer step (not after a step whose loss was not finite): the place for updates without
    /// gradient that must see the new weights, e.g. BYOL's target network. MoCo needs none: as in facebookresearch/moco,
    /// its key encoder follows the query encoder at the start of <see cref="Step"/>.
    /// </summary>
    /// <param name="position">The step that was just taken.</param>
    void AfterOptimizerStep(TrainingPosition position);
}
