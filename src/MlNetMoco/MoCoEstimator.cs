using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Data;
using MlNetMoco.Core.Inference;
using MlNetMoco.Core.Interop;
using MlNetMoco.Core.Training;
using MlNetMoco.Data;
using MlNetMoco.Logging;
using MlNetMoco.Persistence;
using MlNetMoco.Reporting;
using MlNetMoco.Schema;

namespace MlNetMoco;

/// <summary>
/// MoCo self-supervised pretraining as an ML.NET estimator. <see cref="Fit"/> reads the input images once into
/// memory (one byte per value), pretrains an encoder with MoCo v1/v2 in the core's training loop
/// (<see cref="Trainer"/>) on TorchSharp (GPU when available) and returns a <see cref="MoCoTransformer"/> that writes each row's representation to a
/// feature column for the ML.NET trainers downstream. Labels are not used for training; with
/// <see cref="MoCoOptions.LabelColumnName"/> they feed the training report (<see cref="MoCoTransformer.Report"/>).
/// </summary>
/// <remarks>
/// Create it with <c>mlContext.Transforms.PretrainMoCo(...)</c>, or with
/// <see cref="MoCoEstimator(MLContext, MoCoOptions)"/> to also log to <c>MLContext.Log</c>. See
/// <see cref="MoCoOptions"/> for every setting and its default.
/// </remarks>
public sealed class MoCoEstimator : IEstimator<MoCoTransformer>
{
    /// <summary>Only builds SchemaShapes (SchemaShape.Column has no public constructor); holds no user state.</summary>
    private static readonly MLContext SchemaContext = new(seed: 0);

    private readonly MoCoOptions _options;
    private readonly MoCoLog _log;

    /// <summary>Creates the estimator; messages go to <see cref="MoCoOptions.Log"/> only.</summary>
    /// <param name="options">The settings (copied: later changes to the object do not affect this estimator).</param>
    /// <exception cref="ArgumentException">A setting is out of range (the message names it).</exception>
    public MoCoEstimator(MoCoOptions options) : this(null, options)
    {
    }

    /// <summary>Creates the estimator; messages go to <c>MLContext.Log</c> and to <see cref="MoCoOptions.Log"/>.</summary>
    /// <param name="mlContext">The context whose log receives messages; null logs to <see cref="MoCoOptions.Log"/> only.</param>
    /// <param name="options">The settings (copied: later changes to the object do not affect this estimator).</param>
    /// <exception cref="ArgumentException">A setting is out of range (the message names it).</exception>
    public MoCoEstimator(MLContext? mlContext, MoCoOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Clone().Validate();
        _log = new MoCoLog(mlContext, _options.Log);
    }

    /// <summary>A copy of the settings of this estimator.</summary>
    public MoCoOptions Options => _options.Clone();

    /// <summary>
    /// The schema the fitted transformer will produce: the input columns, then the feature column
    /// (<c>Vector&lt;Single&gt;</c> of known size) and the projection column when one is asked for.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">
    /// The input column is missing, is neither a <c>Vector&lt;Single&gt;</c> nor an image, is a variable-size vector,
    /// is an image without a known size (no ResizeImages, no ImageHeight/ImageWidth), or an output column already
    /// exists; the message names the column and what was expected. (A SchemaShape carries no vector sizes, so a size
    /// that does not match the declared image shape is reported by <see cref="Fit"/> before training.)
    /// </exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        InputBinding.Check(inputSchema, _options.InputColumnName, InputBinding.DeclaredShape.From(_options), Outputs);
        return new SchemaShape(inputSchema.Concat(OutputShapeColumns()));
    }

    /// <summary>
    /// Validates the schema and settings, reads every image of the input column (rejecting NaN/∞ with the row
    /// number), pretrains the encoder and returns the transformer. Reports progress through
    /// <see cref="MoCoOptions.Progress"/> and honours <see cref="MoCoOptions.CancellationToken"/>.
    /// </summary>
    /// <param name="input">The training images; other columns are ignored, except the label column of the training report (<see cref="MoCoOptions.LabelColumnName"/>).</param>
    /// <exception cref="ArgumentOutOfRangeException">
    /// The input schema does not fit (see <see cref="GetOutputSchema"/>; also a vector size that does not match the image
    /// shape), or the report's label column (<see cref="MoCoOptions.LabelColumnName"/>) is missing or of an unsupported
    /// type; checked before any row is read.
    /// </exception>
    /// <exception cref="ArgumentException">
    /// A setting is out of range (checked by the core before the data is read, named as <see cref="MoCoOptions"/> names
    /// it); the input is empty, smaller than one batch, or a row holds NaN/∞ (named); <see cref="MoCoOptions.ValidationData"/>
    /// lacks a column or has another image shape, or the report's labelled rows are too few (named, before training).
    /// </exception>
    /// <exception cref="OperationCanceledException">The cancellation token was cancelled.</exception>
    public MoCoTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var options = _options;
        var token = options.CancellationToken;
        token.ThrowIfCancellationRequested();

        var binding = InputBinding.Resolve(input.Schema, options.InputColumnName, InputBinding.DeclaredShape.From(options), Outputs);
        bool cuda = Core.Devices.DeviceSelector.Resolve(options.Device).type == TorchSharp.DeviceType.CUDA;
        // Settings are checked before any row is read (the count, when unknown, only changes the Auto recipe's values).
        var training = options.ToTrainingOptionsFor(binding.Shape, options.RecipeFor((int)Math.Min(input.GetRowCount() ?? 10_000, int.MaxValue), binding.Shape, cuda));
        var evaluators = options.ToEvaluators();
        if (options.KnnMonitor is { } monitor && (monitor.Train.Shape != binding.Shape || monitor.Test.Shape != binding.Shape))
            throw new ArgumentException(
                $"The k-NN monitor images ({monitor.Train.Shape} and {monitor.Test.Shape}) do not have the shape of the training images ({binding.Shape}).",
                nameof(MoCoOptions.KnnMonitor));

        if (options.InitialWeights is { } weightsPath && options.ResumeFrom is null)
            CheckInitialWeights(weightsPath, options.InitialWeightsPrefix, training.Backbone.ForImages(binding.Shape));
        var prepareReport = TrainingReport.Prepare(input, binding, options, _log); // schemas checked here, rows read below

        var data = DataViewImageReader.ReadTrainingImages(input, binding, options, _log, token);
        using var store = data as IDisposable; // a pixel store on disk: unmapped (a temporary one deleted) when Fit ends
        if (data.Count == 0)
            throw new ArgumentException($"The input has no rows: MoCo needs images in column '{binding.ColumnName}'.", nameof(input));
        _log.Info($"Read {data.Count} images of shape {binding.Shape} from column '{binding.ColumnName}'.");
        var recipe = options.RecipeFor(data.Count, binding.Shape, cuda);
        training = options.ToTrainingOptionsFor(binding.Shape, recipe);
        foreach (string line in options.DescribeChoices(recipe, binding.Shape)) _log.Info(line);
        var report = prepareReport?.Invoke(token);
        if (report is not null) evaluators = [.. evaluators, .. report.Evaluators];

        using var initial = options.InitialWeights is { } path && options.ResumeFrom is null
            ? PretrainedEncoder.Create(path, binding.Shape, options.Normalization, "cpu", options.InitialWeightsPrefix)
            : null;
        if (initial != null) _log.Info($"The query encoder starts from the backbone weights of '{options.InitialWeights}'.");
        var trainer = new Trainer(training)
        {
            Progress = options.Progress, Log = _log.Info, Evaluators = evaluators, InitializeFrom = initial, LogIntervalSeconds = options.LogIntervalSeconds,
        };
        report?.Start(training.Device);
        var result = trainer.Run(data, normalization: options.Normalization, cancellationToken: token);
        try
        {
            // The core checks the token between steps; a cancellation after the last step must still cancel Fit.
            token.ThrowIfCancellationRequested();
            if (options.StandardizeFeatures) result = Standardized(result, data, options.TransformBatchSize, token);
            var config = TransformerConfig.From(options, binding.Kind, binding.Shape) with
            {
                TrainingOptionsJson = Core.Training.TrainingOptionsJson.Serialize(training),
            };
            return new MoCoTransformer(result.Encoder, config, result.History, _log) { Report = report?.Finish(result.History) };
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    /// <summary>
    /// <paramref name="result"/> with an encoder whose features are standardised with their statistics over
    /// <paramref name="data"/> (measured in eval mode); <paramref name="result"/>'s encoder is disposed.
    /// </summary>
    private TrainingResult Standardized(TrainingResult result, IImageDataset data, int batchSize, CancellationToken token)
    {
        var statistics = FeatureStandardization.Compute(result.Encoder, data, batchSize, token);
        var encoder = result.Encoder.WithFeatureStandardization(statistics);
        result.Dispose();
        _log.Info($"Features standardised with their per-dimension mean and std over the {data.Count} training images (MoCoOptions.StandardizeFeatures).");
        return result with { Encoder = encoder };
    }

    /// <summary>Reads <paramref name="path"/>'s architecture and checks it against the configured backbone (a ViT's sizes resolved from the images), before any row is read.</summary>
    private static void CheckInitialWeights(string path, string? prefix, BackboneSpec spec)
    {
        try
        {
            using var weights = StateDictImport.Read(path, prefix);
            weights.EnsureMatches(spec);
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            throw new ArgumentException($"MoCoOptions.InitialWeights: {e.Message}", nameof(MoCoOptions.InitialWeights), e);
        }
    }

    private InputBinding.OutputNames Outputs => new(_options.OutputColumnName, _options.ProjectionColumnName);

    private IEnumerable<SchemaShape.Column> OutputShapeColumns()
    {
        // SchemaShape carries no vector size; the Auto recipe's backbone is only known once the data is read.
        int featureDim = BackboneFactory.FeatureDimOf(new BackboneSpec(_options.Backbone ?? Core.Training.MoCoDefaults.Backbone));
        if (_options.ProjectionColumnName is null)
        {
            var definition = SchemaDefinition.Create(typeof(OneVector));
            definition[0].ColumnName = _options.OutputColumnName;
            definition[0].ColumnType = new VectorDataViewType(NumberDataViewType.Single, featureDim);
            return ShapeOf<OneVector>(definition);
        }
        else
        {
            var definition = SchemaDefinition.Create(typeof(TwoVectors));
            definition[0].ColumnName = _options.OutputColumnName;
            definition[0].ColumnType = new VectorDataViewType(NumberDataViewType.Single, featureDim);
            definition[1].ColumnName = _options.ProjectionColumnName;
            definition[1].ColumnType = new VectorDataViewType(NumberDataViewType.Single, _options.ProjectionDim);
            return ShapeOf<TwoVectors>(definition);
        }
    }

    private static IEnumerable<SchemaShape.Column> ShapeOf<TOut>(SchemaDefinition definition) where TOut : class, new()
    {
        lock (SchemaContext)
        {
            var mapping = SchemaContext.Transforms.CustomMapping<NoInput, TOut>(static (_, _) => { }, contractName: null, outputSchemaDefinition: definition);
            return mapping.GetOutputSchema(new SchemaShape(Array.Empty<SchemaShape.Column>())).ToList();
        }
    }

    private sealed class NoInput
    {
    }

    private sealed class OneVector
    {
        public float[] Features = Array.Empty<float>();
    }

    private sealed class TwoVectors
    {
        public float[] Features = Array.Empty<float>();
        public float[] Projection = Array.Empty<float>();
    }
}
