using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetMoco.Core.Inference;
using MlNetMoco.Core.Onnx;
using MlNetMoco.Core.Training;

namespace MlNetMoco.FineTuning;

/// <summary>
/// The fine-tuned classifier as an ML.NET transformer, like a multiclass prediction transformer: it appends
/// <c>Score</c> (<c>Vector&lt;Single&gt;</c>, one probability per class, softmax of the logits, with the class names
/// as its <c>SlotNames</c> annotation, like ML.NET's multiclass trainers) and
/// <c>PredictedLabel</c> (a key whose KeyValues are the class names, numbered as the label's keys), so
/// <c>MulticlassClassification.Evaluate</c>, <c>MapKeyToValue</c>, <c>PredictionEngine</c> and <c>CrossValidate</c>
/// take it as they take ML.NET's own trainers.
/// </summary>
/// <remarks>
/// Scoring runs the classifier exported to ONNX (<see cref="ClassifierOnnxExporter"/>: BatchNorm folded, one row per
/// run) in ML.NET's OnnxTransformer, then <see cref="PredictedIndexMapping"/> (a CustomMapping taking the index out
/// of its one-element vector) and a <c>MapValue</c> that turns the index into the key. <c>mlContext.Model.Save</c>
/// stores exactly that chain, so a loaded model scores with ONNX Runtime alone (no TorchSharp) and gives the same
/// columns and values; register this assembly before loading
/// (<c>mlContext.ComponentCatalog.RegisterAssembly(typeof(FineTuneMoCoTransformer).Assembly)</c>), as for any CustomMapping. The trained network stays available as <see cref="Encoder"/>
/// (e.g. to save it with <c>EncoderSafeTensors</c>). Dispose the transformer to release its native memory.
/// </remarks>
public sealed class FineTuneMoCoTransformer : ITransformer, IDisposable
{
    /// <summary>The column of class probabilities, "Score" (ML.NET's name).</summary>
    public const string ScoreColumnName = "Score";

    /// <summary>The predicted class as a key, "PredictedLabel" (ML.NET's name).</summary>
    public const string PredictedLabelColumnName = "PredictedLabel";

    private readonly TrainedEncoder _classifier;
    private readonly TransformerChain<ITransformer> _scorer;
    private bool _disposed;

    internal FineTuneMoCoTransformer(TrainedEncoder classifier, IReadOnlyList<string> classes, string inputColumnName, float inputScale,
        IReadOnlyList<TrainingProgress> history, string? stopReason)
    {
        _classifier = classifier;
        Classes = classes;
        InputColumnName = inputColumnName;
        InputScale = inputScale;
        TrainingHistory = history;
        StopReason = stopReason;
        _scorer = BuildScorer();
    }

    /// <summary>The pixel column the classifier reads.</summary>
    public string InputColumnName { get; }

    /// <summary>Full-intensity value of a pixel (values are divided by it).</summary>
    public float InputScale { get; }

    /// <summary>The class names, in the order of the Score slots and of the PredictedLabel keys (class i is key i + 1).</summary>
    public IReadOnlyList<string> Classes { get; }

    /// <summary>
    /// The trained classifier: the encoder whose head (<c>fc</c>) gives the class logits. Owned by this transformer
    /// (do not dispose it).
    /// </summary>
    public TrainedEncoder Encoder => _classifier;

    /// <summary>The end-of-epoch reports of the training run (with "val_accuracy" when there was validation data).</summary>
    public IReadOnlyList<TrainingProgress> TrainingHistory { get; }

    /// <summary>Why training stopped before its last epoch (early stopping), or null.</summary>
    public string? StopReason { get; }

    /// <summary>True: rows are mapped one by one (PredictionEngine works).</summary>
    public bool IsRowToRowMapper => true;

    /// <summary>The input schema with Score and PredictedLabel appended.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The pixel column is missing or has another type or size.</exception>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        CheckInput(inputSchema);
        return _scorer.GetOutputSchema(inputSchema);
    }

    /// <summary>Appends Score and PredictedLabel (computed lazily, row by row, with ONNX Runtime).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The pixel column is missing or has another type or size.</exception>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckInput(input.Schema);
        return _scorer.Transform(input);
    }

    /// <summary>The single-row mapper used by <c>PredictionEngine</c>.</summary>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckInput(inputSchema);
        return ((ITransformer)_scorer).GetRowToRowMapper(inputSchema);
    }

    /// <summary>
    /// Saves the scoring chain (OnnxTransformer with the exported classifier, <see cref="PredictedIndexMapping"/>,
    /// MapValue to the key, DropColumns) into an ML.NET model: <c>mlContext.Model.Load</c> (after registering this
    /// assembly for the CustomMapping) returns that chain, which needs no TorchSharp.
    /// </summary>
    void ICanSaveModel.Save(ModelSaveContext ctx)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ((ICanSaveModel)_scorer).Save(ctx);
    }

    /// <summary>Releases the classifier's native memory and the ONNX session.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _scorer.Dispose();
        _classifier.Dispose();
    }

    private TransformerChain<ITransformer> BuildScorer()
    {
        var ml = new MLContext(seed: 0);
        byte[] model = ClassifierOnnxExporter.Export(_classifier, new ClassifierOnnxOptions
        {
            InputName = InputColumnName,
            ScoreName = ScoreColumnName,
            PredictedIndexName = PredictedIndexMapping.VectorColumnName,
            InputScale = InputScale,
            ScoreSlotNames = Classes,
        });
        var classes = Classes.Select((name, i) => new KeyValuePair<float, string>(i, name)).ToArray();
        using var stream = new MemoryStream(model);
        var estimator = ml.Transforms.ApplyOnnxModel(new[] { ScoreColumnName, PredictedIndexMapping.VectorColumnName }, new[] { InputColumnName }, stream)
            .Append(ml.Transforms.CustomMapping(new PredictedIndexMapping().GetMapping(), PredictedIndexMapping.ContractName))
            .Append(ml.Transforms.Conversion.MapValue(PredictedLabelColumnName, classes, PredictedIndexMapping.ScalarColumnName, treatValuesAsKeyType: true))
            .Append(ml.Transforms.DropColumns(PredictedIndexMapping.VectorColumnName, PredictedIndexMapping.ScalarColumnName));
        var chain = estimator.Fit(EmptyInput(ml));
        return new TransformerChain<ITransformer>(chain.ToArray());
    }

    private void CheckInput(DataViewSchema schema)
    {
        int size = _classifier.InputShape.Size;
        var column = schema.GetColumnOrNull(InputColumnName)
            ?? throw new ArgumentOutOfRangeException("inputSchema", $"Input column '{InputColumnName}' was not found in the input schema; the classifier reads a Vector<Single, {size}> of pixels.");
        if (column.Type is not VectorDataViewType { ItemType: NumberDataViewType } vector || vector.ItemType != NumberDataViewType.Single || vector.Size != size)
            throw new ArgumentOutOfRangeException("inputSchema",
                $"Input column '{InputColumnName}' has type {column.Type}; the classifier reads a Vector<Single, {size}> of pixels ({_classifier.InputShape}).");
    }

    private sealed class PixelRow
    {
        public float[] Pixels { get; set; } = Array.Empty<float>();
    }

    private IDataView EmptyInput(MLContext ml)
    {
        var definition = SchemaDefinition.Create(typeof(PixelRow));
        definition[0].ColumnName = InputColumnName;
        definition[0].ColumnType = new VectorDataViewType(NumberDataViewType.Single, _classifier.InputShape.Size);
        return ml.Data.LoadFromEnumerable(new List<PixelRow>(), definition);
    }
}
