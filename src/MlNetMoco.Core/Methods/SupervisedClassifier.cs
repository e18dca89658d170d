using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Heads;
using MlNetMoco.Core.Inference;
using MlNetMoco.Core.Optimization;
using MlNetMoco.Core.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Methods;

/// <summary>
/// Supervised classification as a training method: a backbone with a linear classifier in its <c>fc</c> slot,
/// cross-entropy against the batch's labels. The supervised baseline, or fine-tuning when started from a pretrained
/// encoder. Built by <see cref="SupervisedMethodOptions"/>; its exported encoder's projection output is the logits.
/// </summary>
public sealed class SupervisedClassifier : nn.Module, ITrainingMethod
{
    private readonly Backbone encoder;
    private readonly nn.Module[] _backboneBatchNorms;

    /// <summary>Builds the network.</summary>
    /// <param name="backbone">Encoder architecture (plain BatchNorm: its splits are set to 1).</param>
    /// <param name="classes">Number of classes (at least 1).</param>
    /// <param name="device">Device of the parameters.</param>
    /// <param name="generator">CPU generator of the initial weights; null keeps the modules' own initialisation.</param>
    /// <param name="initialEncoder">A pretrained encoder whose backbone weights start the training (fine-tuning). Default null.</param>
    /// <param name="backboneLearningRateScale">Learning-rate multiple of the backbone (the classifier has 1); 0 freezes the backbone's weights (no gradient). Default 1.</param>
    /// <param name="freezeBatchNorm">Keep the backbone's BatchNorm layers in evaluation mode during training (main_lincls). Default false.</param>
    /// <param name="headOnlyEpochs">
    /// Epochs at the start during which only the classifier trains: the backbone runs without gradient and with its
    /// BatchNorm in evaluation mode (LP-FT, Kumar et al. 2022). Default 0.
    /// </param>
    public SupervisedClassifier(BackboneSpec backbone, int classes, Device device, Generator? generator = null,
        TrainedEncoder? initialEncoder = null, double backboneLearningRateScale = 1.0, bool freezeBatchNorm = false, int headOnlyEpochs = 0)
        : base(nameof(SupervisedClassifier))
    {
        ArgumentNullException.ThrowIfNull(backbone);
        if (classes < 1) throw new ArgumentOutOfRangeException(nameof(classes), classes, "At least one class is needed.");
        var spec = backbone with { BatchNormSplits = 1 };
        OnlineHead = HeadSpec.Linear(BackboneFactory.FeatureDimOf(spec), classes);
        ArgumentOutOfRangeException.ThrowIfNegative(headOnlyEpochs);
        BackboneLearningRateScale = backboneLearningRateScale;
        FreezeBatchNorm = freezeBatchNorm;
        HeadOnlyEpochs = headOnlyEpochs;
        encoder = BackboneFactory.Create(spec, OnlineHead.Build());
        if (generator != null) SeededInitialization.Apply(encoder, generator);
        if (initialEncoder != null) EncoderInitialization.CopyBackbone(encoder, initialEncoder);
        if (backboneLearningRateScale == 0)
            foreach (var (name, parameter) in encoder.named_parameters())
                if (!IsHeadName(name)) parameter.requires_grad = false;
        _backboneBatchNorms = encoder.named_modules()
            .Where(m => !IsHeadName(m.name) && m.module.GetType().Name.Contains("BatchNorm", StringComparison.Ordinal))
            .Select(m => m.module).ToArray();
        RegisterComponents();
        this.to(device);
    }

    /// <inheritdoc />
    public string Name => "Supervised";

    /// <summary>Learning-rate multiple of the backbone.</summary>
    public double BackboneLearningRateScale { get; }

    /// <summary>Whether the backbone's BatchNorm layers stay in evaluation mode while training.</summary>
    public bool FreezeBatchNorm { get; }

    /// <summary>Epochs at the start during which only the classifier trains (LP-FT).</summary>
    public int HeadOnlyEpochs { get; }

    /// <inheritdoc />
    public nn.Module Module => this;

    /// <inheritdoc />
    public Backbone OnlineEncoder => encoder;

    /// <inheritdoc />
    public HeadSpec OnlineHead { get; }

    /// <inheritdoc />
    public string OnlineEncoderPrefix => nameof(encoder) + ".";

    /// <inheritdoc />
    public IReadOnlyList<ParameterGroup> TrainableParameters()
    {
        var all = encoder.named_parameters().Select(p => (Name: p.name, Parameter: p.parameter)).ToArray();
        var classifier = new ParameterGroup("classifier", all.Where(p => IsHeadName(p.Name)).Select(p => (OnlineEncoderPrefix + p.Name, p.Parameter)).ToArray());
        if (BackboneLearningRateScale == 0) return [classifier]; // frozen: no gradient, nothing for the optimizer
        return
        [
            new ParameterGroup("backbone", all.Where(p => !IsHeadName(p.Name)).Select(p => (OnlineEncoderPrefix + p.Name, p.Parameter)).ToArray())
                { LearningRateScale = BackboneLearningRateScale },
            classifier,
        ];
    }

    /// <summary>Cross-entropy of the classifier's logits on the (single) view against the labels.</summary>
    /// <param name="batch">One view and the labels.</param>
    /// <returns>The loss and the batch's training accuracy.</returns>
    /// <exception cref="ArgumentException">The batch has no labels or not exactly one view.</exception>
    public MethodStepOutput Step(MethodBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Views.Count != 1) throw new ArgumentException($"Supervised training takes one view, got {batch.Views.Count}.", nameof(batch));
        var labels = batch.Labels ?? throw new ArgumentException("Supervised training needs the batch's labels.", nameof(batch));
        bool headOnly = batch.Position.Epoch < HeadOnlyEpochs;
        if (FreezeBatchNorm || headOnly)
            foreach (var batchNorm in _backboneBatchNorms) batchNorm.eval();
        else if (encoder.training)
            foreach (var batchNorm in _backboneBatchNorms) batchNorm.train(); // after a head-only phase
        Tensor logits;
        if (headOnly)
        {
            Tensor features;
            using (no_grad()) features = encoder.Features(batch.Views[0]);
            using (features) logits = encoder.Head.call(features);
        }
        else logits = encoder.call(batch.Views[0]);
        var loss = nn.functional.cross_entropy(logits, labels);
        double accuracy;
        using (var scope = NewDisposeScope())
            accuracy = logits.argmax(1).eq(labels).to_type(ScalarType.Float32).mean().item<float>();
        return new MethodStepOutput(loss, accuracy, null);
    }

    private static bool IsHeadName(string name) => name == "fc" || name.StartsWith("fc.", StringComparison.Ordinal);

    /// <inheritdoc />
    public void AfterOptimizerStep(TrainingPosition position)
    {
        // Nothing: every weight is trained by the optimizer.
    }
}
