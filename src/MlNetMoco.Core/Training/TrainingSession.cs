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
/// The state of one pretraining run on its device: the method (MoCo), the optimizer, the augmentation pipeline and
/// the position (epoch, step). <see cref="Pretrainer"/> drives it; checkpoints save and restore it.
/// </summary>
internal sealed class TrainingSession : IDisposable
{
    private readonly PretrainOptions _options;
    private readonly ImageShape _shape;
    private readonly ImageNormalization _normalization;
    private readonly int _queueSize;
    private readonly Device _device;
    private readonly MoCo _method;
    private readonly Sgd _optimizer;
    private readonly IBatchAugmentation _augmentation;
    private readonly Generator _generator = new(0);

    public TrainingSession(PretrainOptions options, ImageShape shape, ImageNormalization normalization, int queueSize, Device device)
    {
        _options = options;
        _shape = shape;
        _normalization = normalization;
        _queueSize = queueSize;
        _device = device;

        var backbone = options.Backbone with { BatchNormSplits = options.BatchNormSplits };
        using (var init = new Generator((ulong)Seeds.Mix(options.Seed, -1)))
            _method = new MoCo(options.Version, backbone, options.ProjectionDim, queueSize, options.EncoderMomentum,
                options.EffectiveTemperature, device, init);
        _method.train();
        _optimizer = new Sgd(_method.OnlineEncoder.named_parameters().Select(p => (p.name, p.parameter)), options.SgdMomentum, options.WeightDecay);
        int cropH = options.CropSize ?? shape.Height, cropW = options.CropSize ?? shape.Width;
        _augmentation = AugmentationPresets.Create(options.EffectiveAugmentation, cropH, cropW, shape.Channels, normalization.Mean, normalization.Std);
    }

    /// <summary>Epoch the next step belongs to.</summary>
    public int Epoch { get; private set; }

    /// <summary>Index of the next step within <see cref="Epoch"/>.</summary>
    public int StepInEpoch { get; private set; }

    /// <summary>Steps run so far, counting those before a resume.</summary>
    public long GlobalStep { get; private set; }

    /// <summary>Collapse metric of the last step's embeddings.</summary>
    public double? LastEmbeddingStd { get; private set; }

    /// <summary>One optimisation step on a batch of [0, 1] pixels; returns the loss and the (K+1)-way accuracy.</summary>
    public (double Loss, double Accuracy) TrainStep(float[] batch, int epoch, int step, double learningRate)
    {
        using var scope = NewDisposeScope();
        _generator.manual_seed(Seeds.Mix(_options.Seed, epoch, step));
        int n = batch.Length / _shape.Size;
        var images = tensor(batch, new long[] { n, _shape.Channels, _shape.Height, _shape.Width }).to(_device);
        var view1 = _augmentation.Apply(images, _generator);
        var view2 = _augmentation.Apply(images, _generator);

        var output = _method.Step(view1, view2, _generator);
        double loss = output.Loss.item<float>();
        Epoch = epoch;
        StepInEpoch = step + 1;
        GlobalStep++;
        if (!double.IsFinite(loss)) return (loss, output.Accuracy);

        _optimizer.ZeroGrad();
        output.Loss.backward();
        _optimizer.LearningRate = learningRate;
        _optimizer.Step();
        LastEmbeddingStd = CollapseMetric.EmbeddingStd(output.Embeddings);
        return (loss, output.Accuracy);
    }

    /// <summary>Moves the position to the start of the next epoch.</summary>
    public void EndEpoch()
    {
        Epoch++;
        StepInEpoch = 0;
    }

    /// <summary>k-NN accuracy of the query encoder's features on the monitor set (eval mode, then back to train).</summary>
    public double EvaluateKnn(KnnMonitorData monitor)
    {
        var encoder = _method.OnlineEncoder;
        encoder.eval();
        try
        {
            return KnnMonitor.Evaluate(x => encoder.Features(x), _normalization, _device, monitor, _options.KnnNeighbors, _options.KnnTemperature);
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
            OptionsJson = PretrainOptionsJson.Serialize(_options),
            InputShape = _shape,
            Normalization = _normalization,
            QueueSize = _queueSize,
            Reason = reason,
        };
        string last = Path.Combine(_options.CheckpointDirectory, "checkpoint-last.mlnmckpt");
        CheckpointFile.Save(last, header, _method, _optimizer);
        if (name is null) return last;
        string named = Path.Combine(_options.CheckpointDirectory, name + ".mlnmckpt");
        File.Copy(last, named, overwrite: true);
        return named;
    }

    /// <summary>Restores the state saved in <paramref name="path"/>; throws on a mismatch with the current options.</summary>
    public void Resume(string path)
    {
        using var checkpoint = CheckpointFile.Load(path);
        var header = checkpoint.Header;
        var saved = PretrainOptionsJson.Deserialize(header.OptionsJson);
        var differences = PretrainOptionsJson.Differences(saved, _options);
        if (differences.Count > 0)
            throw new InvalidDataException($"Checkpoint '{path}' was written with other settings: {string.Join("; ", differences)}.");
        if (header.InputShape != _shape)
            throw new InvalidDataException($"Checkpoint '{path}' was trained on {header.InputShape} images, these are {_shape}.");
        if (header.QueueSize != _queueSize)
            throw new InvalidDataException($"Checkpoint '{path}' has a queue of {header.QueueSize} keys, this run {_queueSize} (the data set size changed?).");
        if (!header.Normalization.Mean.SequenceEqual(_normalization.Mean) || !header.Normalization.Std.SequenceEqual(_normalization.Std))
            throw new InvalidDataException($"Checkpoint '{path}' used another normalisation (the data set changed?).");

        TensorArchive.LoadInto(_method, checkpoint.Model, $"Checkpoint '{path}'");
        _optimizer.LoadState(checkpoint.Optimizer.ToDictionary(t => t.Name, t => t.Tensor));
        Epoch = header.Epoch;
        StepInEpoch = header.StepInEpoch;
        GlobalStep = header.GlobalStep;
    }

    /// <summary>A copy of the trained query encoder (with its projection head) for inference.</summary>
    public TrainedEncoder ExportEncoder()
    {
        var description = new EncoderDescription(_options.Backbone with { BatchNormSplits = 1 }, _options.Version,
            _options.ProjectionDim, _shape, _normalization)
        {
            Metadata = new Dictionary<string, string>
            {
                ["method"] = _method.Name,
                ["pretrainOptions"] = PretrainOptionsJson.Serialize(_options),
                ["steps"] = GlobalStep.ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
        };
        return TrainedEncoder.FromNetwork(_method.OnlineEncoder, description, _device);
    }

    public void Dispose()
    {
        _optimizer.Dispose();
        _method.Dispose();
        _generator.Dispose();
    }
}
