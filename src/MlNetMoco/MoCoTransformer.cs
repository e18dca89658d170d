using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Data;
using MlNetMoco.Core.Inference;
using MlNetMoco.Core.Training;
using MlNetMoco.Data;
using MlNetMoco.Logging;
using MlNetMoco.Persistence;
using MlNetMoco.Schema;
using MlNetMoco.Transform;

namespace MlNetMoco;

/// <summary>
/// The fitted MoCo encoder as an ML.NET transformer: <see cref="Transform"/> appends a <c>Vector&lt;Single, D&gt;</c>
/// column (<see cref="OutputColumnName"/>) holding the backbone's pooled representation of each row's image, and,
/// when <see cref="ProjectionColumnName"/> is set, the projection head's output. Every other column passes through.
/// </summary>
/// <remarks>
/// <para>
/// Transform is lazy and batched: features are computed only when a cursor reads the output column, in forward
/// passes of <see cref="TransformBatchSize"/> rows, in evaluation mode (BatchNorm running statistics) without
/// gradients, so the features of a row do not depend on the rows it is batched with. The single-row path
/// (<c>mlContext.Model.CreatePredictionEngine</c>) computes each row alone and gives the same values. Features are
/// not stored: every pass over the output computes them again, so put <c>AppendCacheCheckpoint(mlContext)</c> after
/// MoCo when the next trainer makes several passes (L-BFGS, SDCA).
/// </para>
/// <para>
/// Persistence: <see cref="Save(string)"/> and <see cref="Load(MLContext, string, string)"/> (one zip file: the
/// encoder's weights and a JSON configuration), to continue training or fine-tune. <c>mlContext.Model.Save</c>
/// stores this transformer as an ML.NET OnnxTransformer running its exported encoder (pixel-vector input only), so
/// <c>mlContext.Model.Load</c> scores with ONNX Runtime alone; <see cref="ExportOnnx(string, bool)"/> writes the raw
/// ONNX model.
/// </para>
/// <para>
/// The transformer owns native (TorchSharp) memory: dispose it when done. Disposing a <c>TransformerChain</c>
/// disposes it too, and so does disposing a <c>PredictionEngine</c> made from it, since ML.NET's
/// <c>PredictionEngineOptions.OwnsTransformer</c> defaults to true; set it to false to keep using the transformer.
/// </para>
/// </remarks>
public sealed partial class MoCoTransformer : ITransformer, IDisposable
{
    private readonly TrainedEncoder _encoder;
    private int _transformBatchSize;
    private bool _disposed;

    internal MoCoTransformer(TrainedEncoder encoder, TransformerConfig config, IReadOnlyList<TrainingProgress> history, MoCoLog log)
    {
        _encoder = encoder;
        Config = config;
        TrainingHistory = history;
        Log = log;
        _transformBatchSize = config.TransformBatchSize;
        if (encoder.InputShape != config.InputShape)
            throw new ArgumentException($"The encoder takes images of shape {encoder.InputShape} but the configuration says {config.InputShape}.");
    }

    /// <summary>
    /// Wraps an encoder (taking ownership: it is disposed with the transformer), for example one built with
    /// <see cref="TrainedEncoder.Load(Stream, string)"/>. The column settings are taken from <paramref name="columns"/>
    /// (default: a new <see cref="MoCoOptions"/>: "Pixels" → "Features", InputScale 255, TransformBatchSize 64); its
    /// training settings are ignored, and the image shape is the encoder's.
    /// </summary>
    /// <param name="encoder">The encoder.</param>
    /// <param name="columns">Column names, input scale and transform batch size. Default null (the defaults).</param>
    /// <param name="mlContext">Where warnings are logged (<c>MLContext.Log</c>), besides <see cref="MoCoOptions.Log"/>. Default null.</param>
    public MoCoTransformer(TrainedEncoder encoder, MoCoOptions? columns = null, MLContext? mlContext = null)
        : this(encoder ?? throw new ArgumentNullException(nameof(encoder)),
               TransformerConfig.From((columns ?? new MoCoOptions()).Validate(), InputKind.PixelVector, encoder.InputShape),
               Array.Empty<TrainingProgress>(), new MoCoLog(mlContext, columns?.Log))
    {
    }

    internal TransformerConfig Config { get; }

    internal MoCoLog Log { get; }

    internal OnceFlag RangeWarning { get; } = new();

    /// <summary>The input column (pixel vector or image) read by Transform.</summary>
    public string InputColumnName => Config.InputColumnName;

    /// <summary>The column Transform writes the pooled representation to.</summary>
    public string OutputColumnName => Config.OutputColumnName;

    /// <summary>The column Transform writes the projection head's output to, or null when it writes none.</summary>
    public string? ProjectionColumnName => Config.ProjectionColumnName;

    /// <summary>The C×H×W shape of the images the encoder takes.</summary>
    public ImageShape InputShape => Config.InputShape;

    /// <summary>Full-intensity value of a pixel vector input (values are divided by it to reach [0, 1]).</summary>
    public float InputScale => Config.InputScale;

    /// <summary>Length D of the feature column: 256 (SmallConvNet), 512 (ResNet-18/34) or 2048 (ResNet-50).</summary>
    public int FeatureDimension => _encoder.FeatureDim;

    /// <summary>Length of the projection column (the projection head's output dimension).</summary>
    public int ProjectionDimension => _encoder.ProjectionDim;

    /// <summary>The encoder's architecture.</summary>
    public BackboneSpec Backbone => _encoder.Backbone;

    /// <summary>The per-channel normalisation applied to [0, 1] pixels before the encoder.</summary>
    public ImageNormalization Normalization => _encoder.Normalization;

    /// <summary>
    /// The trained encoder behind this transformer (owned by it: do not dispose it; it lives as long as the
    /// transformer). Core APIs take it, e.g. <c>EncoderSafeTensors.Save(moco.Encoder, "encoder.safetensors")</c>
    /// writes PyTorch-readable weights, and fine-tuning starts from it.
    /// </summary>
    public TrainedEncoder Encoder => _encoder;

    /// <summary>The end-of-epoch reports of the training run (empty for a loaded or wrapped transformer).</summary>
    public IReadOnlyList<TrainingProgress> TrainingHistory { get; }

    /// <summary>
    /// The training report (k-NN monitor and linear probe per epoch, next to the probe on raw pixels) when Fit had labels
    /// (<see cref="MoCoOptions.LabelColumnName"/>); null otherwise, and for a loaded or wrapped transformer (not saved).
    /// </summary>
    public MoCoReport? Report { get; internal init; }

    /// <summary>
    /// Rows per forward pass of Transform; only speed and memory depend on it. Applies to cursors created after
    /// it is set. Default: <see cref="MoCoOptions.TransformBatchSize"/> (64).
    /// </summary>
    public int TransformBatchSize
    {
        get => _transformBatchSize;
        set => _transformBatchSize = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "TransformBatchSize must be at least 1.");
    }

    /// <summary>True: the transformer maps rows one by one (PredictionEngine works).</summary>
    public bool IsRowToRowMapper => true;

    /// <summary>
    /// The schema Transform produces: the input schema with the feature column (and the projection column) appended.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">
    /// The input column is missing, has the wrong type, an unknown size or a size that does not match
    /// <see cref="InputShape"/>, or an output column already exists; the message names the column and what was expected.
    /// </exception>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        Bind(inputSchema);
        return OutputColumns.Append(inputSchema, OutputColumnName, FeatureDimension, ProjectionColumnName, ProjectionDimension);
    }

    /// <summary>Appends the feature column(s), computed lazily in batches when read.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The input schema does not fit (see <see cref="GetOutputSchema"/>).</exception>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        ObjectDisposedException.ThrowIf(_disposed, this);
        return new MoCoDataView(this, input, Bind(input.Schema));
    }

    /// <summary>The single-row mapper used by <c>PredictionEngine</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The input schema does not fit (see <see cref="GetOutputSchema"/>).</exception>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        ObjectDisposedException.ThrowIf(_disposed, this);
        return new MoCoRowMapper(this, inputSchema, Bind(inputSchema));
    }

    /// <summary>
    /// Writes the transformer to one file (a zip holding the encoder's weights and a JSON configuration: architecture,
    /// input shape, normalisation, columns, library version). An existing file is replaced only once the new one
    /// is complete.
    /// </summary>
    /// <param name="path">The file to write.</param>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ObjectDisposedException.ThrowIf(_disposed, this);
        ModelFile.Save(path, this, _encoder);
    }

    /// <summary>Writes the transformer to <paramref name="stream"/> (see <see cref="Save(string)"/>); the stream is left open.</summary>
    /// <param name="stream">A writable stream.</param>
    public void Save(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ObjectDisposedException.ThrowIf(_disposed, this);
        ModelFile.Save(stream, this, _encoder);
    }

    /// <summary>Reads a transformer written by <see cref="Save(string)"/>.</summary>
    /// <param name="mlContext">The context whose log receives the transformer's warnings.</param>
    /// <param name="path">The file.</param>
    /// <param name="device">Device to run the encoder on: "auto" (CUDA when available), "cpu", "cuda" or "cuda:N". Default "auto".</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">
    /// The file is not an MlNetMoco model (e.g. an ML.NET model zip), is corrupt, or was written by a newer format
    /// version; the message says which.
    /// </exception>
    public static MoCoTransformer Load(MLContext mlContext, string path, string device = "auto")
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"MoCo model file '{path}' does not exist.", path);
        using var stream = File.OpenRead(path);
        try
        {
            return ModelFile.Load(stream, mlContext, device);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"Cannot load MoCo model '{path}': {e.Message}", e);
        }
    }

    /// <summary>Reads a transformer written by <see cref="Save(Stream)"/>; the stream is left open.</summary>
    /// <param name="mlContext">The context whose log receives the transformer's warnings.</param>
    /// <param name="stream">A readable, seekable stream.</param>
    /// <param name="device">Device to run the encoder on. Default "auto".</param>
    /// <exception cref="InvalidDataException">The data is not an MlNetMoco model, is corrupt, or has a newer format version.</exception>
    public static MoCoTransformer Load(MLContext mlContext, Stream stream, string device = "auto")
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentNullException.ThrowIfNull(stream);
        return ModelFile.Load(stream, mlContext, device);
    }

    /// <summary>Releases the encoder's native memory. Later calls to Transform or to open cursors' getters throw.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _encoder.Dispose();
    }

    /// <summary>Runs the encoder on <paramref name="count"/> images in [0, 1].</summary>
    /// <remarks>
    /// <see cref="TrainedEncoder.Extract"/> gives a row the same features whatever batch it sits in (a single image
    /// included), so Transform at any batch size and PredictionEngine agree bit for bit.
    /// </remarks>
    internal void Compute(ReadOnlySpan<float> pixels, int count, Span<float> features, Span<float> projections)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _encoder.Extract(pixels, count, features, projections);
    }

    private InputBinding Bind(DataViewSchema schema) =>
        InputBinding.Resolve(schema, InputColumnName, InputBinding.DeclaredShape.Trained(InputShape),
            new InputBinding.OutputNames(OutputColumnName, ProjectionColumnName));
}
