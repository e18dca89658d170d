using System.Runtime.InteropServices;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;

namespace MlNetMoco.Onnx;

/// <summary>
/// Scores pixels with an encoder ONNX file written by <see cref="MoCoTransformer.ExportOnnx(string, bool)"/> in
/// batches of <see cref="BatchSize"/> rows per ONNX Runtime run, outside ML.NET: for large feature-extraction jobs,
/// where ML.NET's <c>OnnxTransformer</c> (what <c>mlContext.Model.Load</c> gives) runs one row at a time. Needs
/// ONNX Runtime only, not TorchSharp. Features equal <see cref="MoCoTransformer.Transform"/>'s within 1e-4.
/// </summary>
/// <remarks>
/// <para>Input: rows of C·H·W float pixels in [0, <see cref="OnnxEncoderInfo.InputScale"/>] (ExtractPixels' layout and
/// range; scaling and normalisation are inside the graph). Output: <see cref="OnnxEncoderInfo.FeatureDimension"/>
/// floats per row, in row order.</para>
/// <para>Thread safety: the scoring methods may be called from several threads at once (ONNX Runtime's
/// <c>InferenceSession.Run</c> is thread-safe and the scorer keeps no per-call state); <see cref="Dispose"/> must not
/// run while a call is in progress.</para>
/// </remarks>
/// <example>
/// <code>
/// moco.ExportOnnx("encoder.onnx");
/// using var scorer = new OnnxFeatureScorer("encoder.onnx", batchSize: 256);
/// float[] features = scorer.Score(pixels);                   // pixels: rows × C·H·W, features: rows × D
/// foreach (float[] f in scorer.ScoreColumn(dataView)) { }   // the "Pixels" column of an IDataView, streamed
/// </code>
/// </example>
public sealed class OnnxFeatureScorer : IDisposable
{
    /// <summary>Rows per ONNX Runtime run when none is given: 128.</summary>
    public const int DefaultBatchSize = 128;

    private readonly InferenceSession _session;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private bool _disposed;

    /// <summary>Opens the encoder ONNX file at <paramref name="modelPath"/>.</summary>
    /// <param name="modelPath">A file written by <see cref="MoCoTransformer.ExportOnnx(string, bool)"/>.</param>
    /// <param name="batchSize">Rows per ONNX Runtime run (≥ 1); only speed and memory depend on it. Default 128.</param>
    /// <param name="sessionOptions">ONNX Runtime session options (threads, execution providers); null: ONNX Runtime's defaults.</param>
    /// <exception cref="FileNotFoundException">There is no file at <paramref name="modelPath"/>.</exception>
    /// <exception cref="InvalidDataException">The file is not an ONNX model, or not a batched MlNetMoco encoder (see <see cref="OnnxEncoderInfo.Read"/>).</exception>
    public OnnxFeatureScorer(string modelPath, int batchSize = DefaultBatchSize, SessionOptions? sessionOptions = null)
        : this(Open(modelPath, sessionOptions), modelPath, batchSize)
    {
    }

    /// <summary>Opens an encoder ONNX model held in memory (e.g. what <see cref="MoCoTransformer.ExportOnnx(Stream, bool)"/> wrote).</summary>
    /// <param name="model">The model bytes.</param>
    /// <param name="batchSize">Rows per ONNX Runtime run (≥ 1). Default 128.</param>
    /// <param name="sessionOptions">ONNX Runtime session options; null: ONNX Runtime's defaults.</param>
    /// <exception cref="InvalidDataException">The bytes are not an ONNX model, or not a batched MlNetMoco encoder.</exception>
    public OnnxFeatureScorer(byte[] model, int batchSize = DefaultBatchSize, SessionOptions? sessionOptions = null)
        : this(Open(model ?? throw new ArgumentNullException(nameof(model)), sessionOptions), "the model bytes", batchSize)
    {
    }

    private OnnxFeatureScorer(InferenceSession session, string source, int batchSize)
    {
        try
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
            Info = OnnxEncoderInfo.Read(session, source);
        }
        catch
        {
            session.Dispose();
            throw;
        }
        _session = session;
        BatchSize = batchSize;
        _inputNames = [Info.InputName];
        _outputNames = [Info.FeaturesName];
    }

    /// <summary>The model's input and output names, image shape, input scale and feature dimension.</summary>
    public OnnxEncoderInfo Info { get; }

    /// <summary>Rows per ONNX Runtime run.</summary>
    public int BatchSize { get; }

    /// <summary>Scores <paramref name="pixels"/> (rows × C·H·W, row-major) into <paramref name="features"/> (rows × D).</summary>
    /// <exception cref="ArgumentException">A length is not a whole number of rows, or the two disagree on the row count.</exception>
    public void Score(ReadOnlyMemory<float> pixels, Memory<float> features)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int size = Info.InputShape.Size, dim = Info.FeatureDimension;
        if (pixels.Length % size != 0)
            throw new ArgumentException($"pixels holds {pixels.Length} values, not a whole number of rows of {size} (C·H·W of {Info.InputShape} images).", nameof(pixels));
        int rows = pixels.Length / size;
        if (features.Length != (long)rows * dim)
            throw new ArgumentException($"features holds {features.Length} values; {rows} row(s) of {dim} features need {(long)rows * dim}.", nameof(features));

        using var runOptions = new RunOptions();
        for (int start = 0; start < rows; start += BatchSize)
        {
            int n = Math.Min(BatchSize, rows - start);
            using var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance,
                MemoryMarshal.AsMemory(pixels.Slice(start * size, n * size)), [n, size]);
            using var output = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance,
                features.Slice(start * dim, n * dim), [n, dim]);
            _session.Run(runOptions, _inputNames, [input], _outputNames, [output]);
        }
    }

    /// <summary>Scores <paramref name="pixels"/> (rows × C·H·W) and returns the features (rows × D).</summary>
    /// <exception cref="ArgumentException">The length is not a whole number of rows.</exception>
    public float[] Score(ReadOnlyMemory<float> pixels)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int size = Info.InputShape.Size;
        var features = new float[checked(pixels.Length / size * Info.FeatureDimension)];
        Score(pixels, features);
        return features;
    }

    /// <summary>Scores rows of C·H·W pixels lazily, <see cref="BatchSize"/> at a time, yielding one feature vector per row in order.</summary>
    /// <exception cref="ArgumentException">A row does not hold C·H·W values (the message gives its index).</exception>
    public IEnumerable<float[]> ScoreRows(IEnumerable<float[]> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ObjectDisposedException.ThrowIf(_disposed, this);
        return Batches(rows.Select((row, index) => (Action<Span<float>>)(destination =>
        {
            if (row is null || row.Length != destination.Length)
                throw new ArgumentException($"Row {index} holds {row?.Length ?? 0} values; expected {destination.Length} (C·H·W of {Info.InputShape} images).", nameof(rows));
            row.CopyTo(destination);
        })));
    }

    /// <summary>
    /// Scores the pixel column of <paramref name="data"/> lazily, <see cref="BatchSize"/> rows at a time, yielding one
    /// feature vector per row in cursor order.
    /// </summary>
    /// <param name="data">The rows, e.g. the output of <c>ExtractPixels</c>.</param>
    /// <param name="inputColumnName">The pixel column; null: the model's input name (<see cref="OnnxEncoderInfo.InputName"/>).</param>
    /// <exception cref="ArgumentOutOfRangeException">The column is missing or is not a Vector&lt;Single&gt; of C·H·W values.</exception>
    public IEnumerable<float[]> ScoreColumn(IDataView data, string? inputColumnName = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        ObjectDisposedException.ThrowIf(_disposed, this);
        string name = inputColumnName ?? Info.InputName;
        var column = data.Schema.GetColumnOrNull(name)
            ?? throw new ArgumentOutOfRangeException(nameof(data), $"Input column '{name}' was not found (columns: {string.Join(", ", data.Schema.Select(c => $"'{c.Name}'"))}).");
        if (column.Type is not VectorDataViewType { ItemType.RawType: var item, Size: var size } || item != typeof(float) || size != Info.InputShape.Size)
            throw new ArgumentOutOfRangeException(nameof(data),
                $"Input column '{name}' has type {column.Type}; expected Vector<Single, {Info.InputShape.Size}> (C·H·W of {Info.InputShape} images, as ExtractPixels writes them).");
        return Batches(Rows(data, column));
    }

    /// <summary>Releases the ONNX Runtime session.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _session.Dispose();
    }

    private static IEnumerable<Action<Span<float>>> Rows(IDataView data, DataViewSchema.Column column)
    {
        using var cursor = data.GetRowCursor([column]);
        var getter = cursor.GetGetter<VBuffer<float>>(column);
        VBuffer<float> buffer = default;
        while (cursor.MoveNext())
        {
            getter(ref buffer);
            yield return destination => buffer.CopyTo(destination);
        }
    }

    /// <summary>Fills a batch buffer row by row (each action writes one row), scores full batches and yields the rows' features.</summary>
    private IEnumerable<float[]> Batches(IEnumerable<Action<Span<float>>> rows)
    {
        int size = Info.InputShape.Size, dim = Info.FeatureDimension;
        var pixels = new float[BatchSize * size];
        var features = new float[BatchSize * dim];
        int n = 0;
        foreach (var fill in rows)
        {
            fill(pixels.AsSpan(n * size, size));
            if (++n < BatchSize) continue;
            Score(pixels, features);
            for (int i = 0; i < n; i++) yield return features.AsSpan(i * dim, dim).ToArray();
            n = 0;
        }
        if (n == 0) yield break;
        Score(pixels.AsMemory(0, n * size), features.AsMemory(0, n * dim));
        for (int i = 0; i < n; i++) yield return features.AsSpan(i * dim, dim).ToArray();
    }

    private static InferenceSession Open(string path, SessionOptions? options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"No encoder ONNX file at '{path}'.", path);
        try { return options is null ? new InferenceSession(path) : new InferenceSession(path, options); }
        catch (OnnxRuntimeException e) { throw new InvalidDataException($"'{path}' is not an ONNX model ONNX Runtime can load: {e.Message}", e); }
    }

    private static InferenceSession Open(byte[] model, SessionOptions? options)
    {
        try { return options is null ? new InferenceSession(model) : new InferenceSession(model, options); }
        catch (OnnxRuntimeException e) { throw new InvalidDataException($"The bytes are not an ONNX model ONNX Runtime can load: {e.Message}", e); }
    }
}
