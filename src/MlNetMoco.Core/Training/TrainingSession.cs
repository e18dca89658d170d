using System.Globalization;
using MlNetMoco.Core.Augmentations;
using MlNetMoco.Core.Checkpoints;
using MlNetMoco.Core.Data;
using MlNetMoco.Core.Inference;
using MlNetMoco.Core.Methods;
using MlNetMoco.Core.Optimization;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Training;

/// <summary>
/// The state of one training run on its device: the method, the optimizer, one augmentation pipeline per view and
/// the position (epoch, step). <see cref="Trainer"/> drives it; checkpoints save and restore it.
/// </summary>
internal sealed class TrainingSession : IDisposable
{
    private readonly TrainingOptions _options;
    private readonly ImageShape _shape;
    private readonly ImageNormalization _normalization;
    private readonly int _imageCount;
    private readonly int[]? _labels;
    private readonly Device _device;
    private readonly ITrainingMethod _method;
    private readonly TrainingOptimizer _optimizer;
    private readonly IBatchAugmentation[] _views;
    private readonly Generator _generator = new(0);

    public TrainingSession(TrainingOptions options, ImageShape shape, ImageNormalization normalization, int imageCount, int[]? labels,
        Device device, TrainedEncoder? initialEncoder, Action<string> log)
    {
        _options = options;
        _shape = shape;
        _normalization = normalization;
        _imageCount = imageCount;
        _labels = labels;
        _device = device;
        using (var init = new Generator((ulong)Seeds.Mix(options.Seed, -1)))
        {
            var context = new MethodContext(options.Backbone, shape, imageCount, options.BatchSize, device, init, log)
            {
                ClassCount = labels is null ? null : labels.Max() + 1,
                InitialEncoder = initialEncoder,
            };
            _method = options.Method.Create(context);
        }
        try
        {
            _optimizer = TrainingOptimizer.Create(options.Optimizer, _method.TrainableParameters());
            _views = options.Method.Views.Select(v => (IBatchAugmentation)v.Build(shape, normalization)).ToArray();
        }
        catch
        {
            _method.Dispose();
            throw;
        }
    }

    /// <summary>The method being trained.</summary>
    public ITrainingMethod Method => _method;

    /// <summary>Epoch the next step belongs to.</summary>
    public int Epoch { get; private set; }

    /// <summary>Index of the next step within <see cref="Epoch"/>.</summary>
    public int StepInEpoch { get; private set; }

    /// <summary>Steps run so far, counting those before a resume.</summary>
    public long GlobalStep { get; private set; }

    /// <summary>Collapse metric of the last step that measured it.</summary>
    public double? LastEmbeddingStd { get; private set; }

    /// <summary>One optimisation step on <paramref name="count"/> images of [0, 1] pixels; returns the loss and the method's accuracy.</summary>
    /// <param name="pixels">The images, exactly count·C·H·W values.</param>
    /// <param name="count">Number of images.</param>
    /// <param name="indices">Their indices in the data set.</param>
    /// <param name="position">The step's position.</param>
    /// <param name="learningRate">The scheduled rate.</param>
    /// <param name="measureCollapse">Whether to compute the collapse metric of this step's embeddings.</param>
    public (double Loss, double Accuracy) TrainStep(float[] pixels, int count, ReadOnlySpan<int> indices, TrainingPosition position, double learningRate,
        bool measureCollapse)
    {
        using var scope = NewDisposeScope();
        _generator.manual_seed(Seeds.Mix(_options.Seed, position.Epoch, position.Step));
        if (pixels.Length != count * _shape.Size) throw new ArgumentException($"{count} images need {count * _shape.Size} values, the batch has {pixels.Length}.", nameof(pixels));
        var images = tensor(pixels, new long[] { count, _shape.Channels, _shape.Height, _shape.Width }).to(_device);
        var views = new Tensor[_views.Length];
        for (int v = 0; v < views.Length; v++) views[v] = _views[v].Apply(images, _generator);
        var ids = new long[count];
        for (int i = 0; i < count; i++) ids[i] = indices[i];
        Tensor? labels = null;
        if (_labels is not null)
        {
            var y = new long[count];
            for (int i = 0; i < count; i++) y[i] = _labels[indices[i]];
            labels = tensor(y).to(_device);
        }

        var output = _method.Step(new MethodBatch(views, tensor(ids).to(_device), labels, position, _generator));
        double loss = output.Loss.item<float>();
        Epoch = position.Epoch;
        StepInEpoch = position.Step + 1;
        GlobalStep = position.GlobalStep + 1;
        if (!double.IsFinite(loss)) return (loss, output.Accuracy);

        _optimizer.ZeroGrad();
        output.Loss.backward();
        _optimizer.SetLearningRate(learningRate);
        _optimizer.Step();
        _method.AfterOptimizerStep(position);
        if (measureCollapse && output.Embeddings is { } embeddings) LastEmbeddingStd = CollapseMetric.EmbeddingStd(embeddings);
        return (loss, output.Accuracy);
    }

    /// <summary>Moves the position to the start of the next epoch.</summary>
    public void EndEpoch()
    {
        Epoch++;
        StepInEpoch = 0;
    }

    /// <summary>Runs <paramref name="evaluator"/> with the online encoder in evaluation mode, then puts it back in training mode.</summary>
    public T WithEncoderInEvalMode<T>(Func<EvaluationContext, T> evaluator, int epoch, IReadOnlyDictionary<string, double> metrics)
    {
        var encoder = _method.OnlineEncoder;
        encoder.eval();
        try
        {
            return evaluator(new EvaluationContext(encoder, _normalization, _device, epoch, _options.Epochs, metrics));
        }
        finally
        {
            encoder.train();
        }
    }

    /// <summary>Writes a checkpoint when a directory is set; returns its path or null.</summary>
    public string? SaveCheckpoint(string reason, string? name = null)
    {
        if (_options.CheckpointDirectory is null) return null;
        var header = new CheckpointHeader
        {
            Method = _method.Name,
            Epoch = Epoch,
            StepInEpoch = StepInEpoch,
            GlobalStep = GlobalStep,
            OptionsJson = TrainingOptionsJson.Serialize(_options),
            InputShape = _shape,
            Normalization = _normalization,
            ImageCount = _imageCount,
            EncoderJson = Describe().ToJson(),
            EncoderPrefix = _method.OnlineEncoderPrefix,
            Reason = reason,
        };
        string last = Path.Combine(_options.CheckpointDirectory, "checkpoint-last.mlnmckpt");
        CheckpointFile.Save(last, header, _method.Module, _optimizer.SaveState());
        if (name is null) return last;
        string named = Path.Combine(_options.CheckpointDirectory, name + ".mlnmckpt");
        File.Copy(last, named, overwrite: true);
        return named;
    }

    /// <summary>Restores the state saved in <paramref name="path"/>; throws on a mismatch with this run.</summary>
    public void Resume(string path)
    {
        using var checkpoint = CheckpointFile.Load(path);
        var header = checkpoint.Header;
        var saved = TrainingOptionsJson.Deserialize(header.OptionsJson);
        var differences = TrainingOptionsJson.Differences(saved, _options);
        if (differences.Count > 0)
            throw new InvalidDataException($"Checkpoint '{path}' was written with other settings: {string.Join("; ", differences)}.");
        if (header.InputShape != _shape)
            throw new InvalidDataException($"Checkpoint '{path}' was trained on {header.InputShape} images, these are {_shape}.");
        if (header.ImageCount != _imageCount)
            throw new InvalidDataException($"Checkpoint '{path}' was trained on {header.ImageCount} images, this run has {_imageCount} (the data set changed?).");
        if (!header.Normalization.Mean.SequenceEqual(_normalization.Mean) || !header.Normalization.Std.SequenceEqual(_normalization.Std))
            throw new InvalidDataException($"Checkpoint '{path}' used another normalisation (the data set changed?).");

        TensorArchive.LoadInto(_method.Module, checkpoint.Model, $"Checkpoint '{path}'");
        _optimizer.LoadState(checkpoint.OptimizerState);
        Epoch = header.Epoch;
        StepInEpoch = header.StepInEpoch;
        GlobalStep = header.GlobalStep;
    }

    /// <summary>A copy of the trained online encoder (with its head) for inference.</summary>
    public TrainedEncoder ExportEncoder()
    {
        var description = Describe() with
        {
            Metadata = new Dictionary<string, string>
            {
                ["method"] = _method.Name,
                ["pretrainOptions"] = TrainingOptionsJson.Serialize(_options),
                ["steps"] = GlobalStep.ToString(CultureInfo.InvariantCulture),
            },
        };
        return TrainedEncoder.FromNetwork(_method.OnlineEncoder, description, _device);
    }

    private EncoderDescription Describe() =>
        new(_options.Backbone with { BatchNormSplits = 1 }, _method.OnlineHead, _shape, _normalization);

    public void Dispose()
    {
        _optimizer.Dispose();
        _method.Dispose();
        _generator.Dispose();
    }
}
