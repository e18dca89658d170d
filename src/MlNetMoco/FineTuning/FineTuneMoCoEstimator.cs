using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Data;
using MlNetMoco.Core.Methods;
using MlNetMoco.Core.Optimization;
using MlNetMoco.Core.Training;
using MlNetMoco.Data;
using MlNetMoco.Logging;
using MlNetMoco.Schema;

namespace MlNetMoco.FineTuning;

/// <summary>
/// Multiclass image classification by fine-tuning an encoder: a new linear classifier on the encoder's pooled
/// features, trained end to end (or the classifier alone) with cross-entropy in the core's one training loop
/// (<see cref="Trainer"/> with <see cref="SupervisedMethodOptions"/>): light augmentation, separate learning rates for
/// backbone and classifier, optional frozen BatchNorm, cosine schedule with warm-up, early stopping on validation
/// rows, progress, cancellation, checkpoints and exact resume. Returns a <see cref="FineTuneMoCoTransformer"/>.
/// </summary>
/// <remarks>
/// Create it with <c>mlContext.MulticlassClassification.Trainers.FineTuneMoCo(...)</c>. Every Fit starts from the
/// same weights (the given MoCo transformer's or file's, copied; or the same seeded random initialisation), so
/// <c>CrossValidate</c> folds never pretrain again and never see each other's fine-tuning.
/// </remarks>
public sealed class FineTuneMoCoEstimator : IEstimator<FineTuneMoCoTransformer>
{
    private readonly FineTuneMoCoOptions _options;
    private readonly MoCoLog _log;

    /// <summary>Creates the estimator; messages go to <c>MLContext.Log</c> (when given) and <see cref="FineTuneMoCoOptions.Log"/>.</summary>
    /// <param name="mlContext">The context whose log receives messages; null logs to the options' Log only.</param>
    /// <param name="options">The settings (copied).</param>
    /// <exception cref="ArgumentException">A setting is out of range (the message names it).</exception>
    public FineTuneMoCoEstimator(MLContext? mlContext, FineTuneMoCoOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Clone();
        _log = new MoCoLog(mlContext, _options.Log);
        ToTrainingOptions(_options, _options.ImageChannels ?? _options.Pretrained?.InputShape.Channels ?? 3, classes: 2, spec: null);
    }

    /// <summary>A copy of the settings.</summary>
    public FineTuneMoCoOptions Options => _options.Clone();

    /// <summary>
    /// The schema the fitted transformer produces: the input columns, then <c>Score</c> (<c>Vector&lt;Single&gt;</c>)
    /// and <c>PredictedLabel</c> (a key with KeyValues).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The pixel or label column is missing or of the wrong type (named).</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        InputBinding.Check(inputSchema, _options.InputColumnName, Declared, InputBinding.OutputNames.None);
        var label = inputSchema.FirstOrDefault(c => c.Name == _options.LabelColumnName);
        if (label.Name is null)
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Label column '{_options.LabelColumnName}' was not found in the input schema.");
        if (label.Kind != SchemaShape.Column.VectorKind.Scalar)
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Label column '{_options.LabelColumnName}' is a vector; expected a key, text or a number.");
        ClassLabels.CheckType(_options.LabelColumnName, label.ItemType);

        var outputs = OutputShape.Columns();
        var names = outputs.Select(c => c.Name).ToHashSet();
        return new SchemaShape(inputSchema.Where(c => !names.Contains(c.Name)).Concat(outputs));
    }

    /// <summary>
    /// Checks the schema and settings, reads the images and labels (rejecting missing labels and NaN/∞ pixels by row),
    /// fine-tunes and returns the classifier.
    /// </summary>
    /// <param name="input">Labelled training images.</param>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or of the wrong type or size (named).</exception>
    /// <exception cref="ArgumentException">A setting is out of range; a label is missing; fewer than two classes; a validation label the training rows lack.</exception>
    /// <exception cref="OperationCanceledException">The cancellation token was cancelled.</exception>
    public FineTuneMoCoTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var options = _options;
        var token = options.CancellationToken;
        token.ThrowIfCancellationRequested();

        var binding = Bind(input.Schema);
        var (classes, labels) = ClassLabels.ReadTraining(input, options.LabelColumnName);
        using var start = StartingEncoder.Resolve(options, binding.Shape);
        if (start.Encoder is { } initial && initial.InputShape != binding.Shape)
            throw new ArgumentOutOfRangeException("inputSchema",
                $"Input column '{binding.ColumnName}' holds images of {binding.Shape}, but the starting encoder takes {initial.InputShape}.");
        var spec = start.Encoder?.Backbone ?? new BackboneSpec(options.Backbone, binding.Shape.Channels, options.SmallImageStem);
        var training = ToTrainingOptions(options, binding.Shape.Channels, classes.Count, spec, pretrained: start.Encoder is not null);
        var (validationImages, validationLabels) = ReadValidation(options, binding, classes, token);

        IImageDataset images = DataViewImageReader.Read(input, binding, options.InputScale, _log, token);
        if (images.Count != labels.Length)
            throw new InvalidOperationException($"The data view gave {images.Count} images but {labels.Length} labels.");
        if (validationImages is null && options.ValidationFraction > 0)
            (images, labels, validationImages, validationLabels) = Split((InMemoryImageDataset)images, labels, options.ValidationFraction, options.Seed);
        WarnAbsentClasses(classes, labels);
        _log.Info($"Fine-tuning from {start.Description}: {images.Count} images of {binding.Shape}, {classes.Count} classes" +
                  (validationImages is null ? "." : $", {validationImages.Count} validation images."));

        using var earlyStopping = validationImages is null ? null : new ValidationEarlyStopping(validationImages, validationLabels!, options.EarlyStoppingPatience);
        var trainer = new Trainer(training)
        {
            Progress = options.Progress,
            Log = _log.Info,
            Evaluators = earlyStopping is null ? [] : [earlyStopping],
            InitializeFrom = start.Encoder,
        };
        var result = trainer.Run(images, labels, start.Encoder?.Normalization, token);
        try
        {
            token.ThrowIfCancellationRequested();
            return new FineTuneMoCoTransformer(result.Encoder, classes.Names, binding.ColumnName, options.InputScale, result.History, result.StopReason);
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    /// <summary>The SchemaShape columns of Score and PredictedLabel (SchemaShape.Column has no public constructor: a CustomMapping declares them).</summary>
    private static class OutputShape
    {
        private static readonly MLContext Context = new(seed: 0);

        public static IReadOnlyList<SchemaShape.Column> Columns()
        {
            var definition = SchemaDefinition.Create(typeof(Output));
            definition[0].ColumnName = FineTuneMoCoTransformer.ScoreColumnName;
            definition[0].ColumnType = new VectorDataViewType(NumberDataViewType.Single, 2);
            definition[1].ColumnName = FineTuneMoCoTransformer.PredictedLabelColumnName;
            definition[1].ColumnType = new KeyDataViewType(typeof(uint), 2);
            definition[1].AddAnnotation("KeyValues", new VBuffer<ReadOnlyMemory<char>>(2, new[] { "a".AsMemory(), "b".AsMemory() }),
                new VectorDataViewType(TextDataViewType.Instance, 2));
            lock (Context)
            {
                var mapping = Context.Transforms.CustomMapping<NoInput, Output>(static (_, _) => { }, contractName: null, outputSchemaDefinition: definition);
                return mapping.GetOutputSchema(new SchemaShape(Array.Empty<SchemaShape.Column>())).ToList();
            }
        }

        private sealed class NoInput
        {
        }

        private sealed class Output
        {
            public float[] Score = Array.Empty<float>();
            public uint PredictedLabel = 0;
        }
    }

    private InputBinding.DeclaredShape Declared => _options.Pretrained is { } moco
        ? InputBinding.DeclaredShape.Trained(moco.InputShape)
        : new InputBinding.DeclaredShape(_options.ImageChannels, _options.ImageHeight, _options.ImageWidth, false);

    private InputBinding Bind(DataViewSchema schema)
    {
        var binding = InputBinding.Resolve(schema, _options.InputColumnName, Declared, InputBinding.OutputNames.None);
        if (binding.Kind != InputKind.PixelVector)
            throw new ArgumentOutOfRangeException("inputSchema",
                $"Input column '{binding.ColumnName}' is an image column; FineTuneMoCo reads a Vector<Single> of pixels (its model scores in ONNX): put ExtractPixels before it.");
        return binding;
    }

    private (IImageDataset? Images, int[]? Labels) ReadValidation(FineTuneMoCoOptions options, InputBinding training, ClassLabels classes, CancellationToken token)
    {
        if (options.ValidationData is not { } data) return (null, null);
        var binding = Bind(data.Schema);
        if (binding.Shape != training.Shape)
            throw new ArgumentException($"FineTuneMoCoOptions.ValidationData holds images of {binding.Shape}, not {training.Shape} like the training data.",
                nameof(FineTuneMoCoOptions.ValidationData));
        var labels = classes.Read(data, options.LabelColumnName);
        var images = DataViewImageReader.Read(data, binding, options.InputScale, _log, token);
        return (images, labels);
    }

    /// <summary>Holds out <paramref name="fraction"/> of the rows, drawn with <paramref name="seed"/>.</summary>
    private static (IImageDataset, int[], IImageDataset, int[]) Split(InMemoryImageDataset images, int[] labels, double fraction, int seed)
    {
        int count = images.Count, held = (int)Math.Round(count * fraction);
        if (held < 1 || count - held < 2)
            throw new ArgumentException($"FineTuneMoCoOptions.ValidationFraction = {fraction} leaves {held} validation and {count - held} training rows of {count}: expected at least 1 and 2.",
                nameof(FineTuneMoCoOptions.ValidationFraction));
        var order = Enumerable.Range(0, count).ToArray();
        new Random(seed).Shuffle(order);
        (InMemoryImageDataset, int[]) Take(ReadOnlySpan<int> indices)
        {
            var subset = new InMemoryImageDataset(images.Shape, indices.Length);
            var pixels = new float[images.Shape.Size];
            foreach (int i in indices)
            {
                images.CopyImages([i], pixels);
                subset.Add(pixels);
            }
            var subsetLabels = new int[indices.Length];
            for (int j = 0; j < indices.Length; j++) subsetLabels[j] = labels[indices[j]];
            return (subset, subsetLabels);
        }
        var (validation, validationLabels) = Take(order.AsSpan(0, held));
        var (train, trainLabels) = Take(order.AsSpan(held));
        return (train, trainLabels, validation, validationLabels);
    }

    private void WarnAbsentClasses(ClassLabels classes, int[] labels)
    {
        var present = labels.ToHashSet();
        var absent = Enumerable.Range(0, classes.Count).Where(c => !present.Contains(c)).Select(c => classes.Names[c]).ToList();
        if (absent.Count > 0)
            _log.Warning($"Class(es) {string.Join(", ", absent.Select(n => $"'{n}'"))} of label column '{_options.LabelColumnName}' have no training row: the classifier keeps their score slots but will rarely predict them.");
    }

    /// <summary>The core options of <paramref name="o"/>, validated, with errors named as <see cref="FineTuneMoCoOptions"/> names them.</summary>
    internal static TrainingOptions ToTrainingOptions(FineTuneMoCoOptions o, int channels, int classes, BackboneSpec? spec, bool pretrained = true)
    {
        static void Check(bool ok, string name, object? value, string expected)
        {
            if (!ok) throw new ArgumentException($"FineTuneMoCoOptions.{name} = {value ?? "null"} is not valid: expected {expected}.", name);
        }
        Check(!string.IsNullOrWhiteSpace(o.InputColumnName), nameof(o.InputColumnName), o.InputColumnName, "a column name");
        Check(!string.IsNullOrWhiteSpace(o.LabelColumnName), nameof(o.LabelColumnName), o.LabelColumnName, "a column name");
        Check(o.InputScale > 0 && float.IsFinite(o.InputScale), nameof(o.InputScale), o.InputScale, "a positive number");
        Check(o.ValidationFraction >= 0 && o.ValidationFraction < 1, nameof(o.ValidationFraction), o.ValidationFraction, "0 ≤ ValidationFraction < 1");
        Check(o.EarlyStoppingPatience >= 1, nameof(o.EarlyStoppingPatience), o.EarlyStoppingPatience, "at least 1");
        try
        {
            return new TrainingOptions
            {
                Method = new SupervisedMethodOptions
                {
                    Classes = classes,
                    BackboneLearningRateScale = o.BackboneLearningRateScale,
                    FreezeBatchNorm = o.FreezeBatchNorm,
                    HeadOnlyEpochs = pretrained ? o.HeadOnlyEpochs : 0, // LP-FT protects pretrained features; from random init there are none
                    Augmentation = new ViewAugmentation { Preset = null, CropScaleMin = o.CropScaleMin, HorizontalFlip = o.HorizontalFlip },
                },
                Backbone = spec ?? new BackboneSpec(o.Backbone, channels, o.SmallImageStem),
                Epochs = o.Epochs,
                BatchSize = o.BatchSize,
                BaseLearningRate = o.LearningRate,
                ScaleLearningRate = false,
                Optimizer = new OptimizerOptions { Kind = OptimizerKind.Sgd, Momentum = o.SgdMomentum, WeightDecay = o.WeightDecay },
                Schedule = o.Schedule,
                WarmupEpochs = o.WarmupEpochs,
                Device = o.Device,
                Seed = o.Seed,
                CheckpointDirectory = o.CheckpointDirectory,
                CheckpointEveryEpochs = o.CheckpointEveryEpochs,
                ResumeFrom = o.ResumeFrom,
            }.Validate();
        }
        catch (ArgumentException e)
        {
            string message = e.Message
                .Replace("Method.Augmentation.", "", StringComparison.Ordinal)
                .Replace("Method.", "", StringComparison.Ordinal)
                .Replace("BaseLearningRate", nameof(o.LearningRate), StringComparison.Ordinal)
                .Replace("Optimizer.Momentum", nameof(o.SgdMomentum), StringComparison.Ordinal)
                .Replace("Optimizer.", "", StringComparison.Ordinal);
            throw new ArgumentException($"FineTuneMoCoOptions.{message}", e.ParamName, e);
        }
    }
}
