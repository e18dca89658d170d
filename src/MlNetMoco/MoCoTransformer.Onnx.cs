using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetMoco.Core.Onnx;
using MlNetMoco.Schema;

namespace MlNetMoco;

public sealed partial class MoCoTransformer
{
    /// <summary>
    /// Writes the encoder as an ONNX model (opset 17) that reads the input pixel column (float [N, C·H·W] in
    /// [0, InputScale]) and writes the Features column (and the projection column when one is configured), under the
    /// same names. It scores with ONNX Runtime in any language, without TorchSharp.
    /// </summary>
    /// <param name="path">The .onnx file to write.</param>
    /// <param name="foldBatchNorm">Fold BatchNorm into the convolutions (default) or keep BatchNormalization nodes.</param>
    public void ExportOnnx(string path, bool foldBatchNorm = true)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        byte[] model = OnnxBytes(foldBatchNorm);
        string full = Path.GetFullPath(path);
        string temp = $"{full}.{Guid.NewGuid():N}.tmp"; // an existing file is replaced only once the new one is complete
        try
        {
            File.WriteAllBytes(temp, model);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>Writes the ONNX model of <see cref="ExportOnnx(string, bool)"/> to <paramref name="stream"/>.</summary>
    public void ExportOnnx(Stream stream, bool foldBatchNorm = true)
    {
        ArgumentNullException.ThrowIfNull(stream);
        stream.Write(OnnxBytes(foldBatchNorm));
    }

    /// <summary>
    /// Saves this transformer into an ML.NET model (<c>mlContext.Model.Save</c>) as an ML.NET OnnxTransformer running
    /// the exported encoder: <c>mlContext.Model.Load</c> returns a chain with an OnnxTransformer in this one's place,
    /// which produces the same columns with ONNX Runtime alone (no TorchSharp at scoring time).
    /// </summary>
    /// <exception cref="NotSupportedException">The input is an image column: ONNX cannot read <c>MLImage</c>; put
    /// <c>ExtractPixels</c> before the MoCo transform, or save with <see cref="Save(string)"/>.</exception>
    void ICanSaveModel.Save(ModelSaveContext ctx)
    {
        if (Config.InputKind == InputKind.Image)
            throw new NotSupportedException(
                $"MoCoTransformer reads the image column '{InputColumnName}', which an ONNX model cannot consume, so it cannot be saved " +
                "with mlContext.Model.Save. Put ExtractPixels before the MoCo transform (and fit on its pixel column), or save this " +
                "transformer with moCoTransformer.Save(path) and load it with MoCoTransformer.Load(mlContext, path).");

        var ml = new MLContext();
        string onnxPath = Path.Combine(Path.GetTempPath(), $"mlnetmoco-{Guid.NewGuid():N}.onnx");
        try
        {
            File.WriteAllBytes(onnxPath, OnnxBytes(foldBatchNorm: true, singleRow: true));
            var outputs = ProjectionColumnName is null ? new[] { OutputColumnName } : new[] { OutputColumnName, ProjectionColumnName };
            using var onnx = ml.Transforms.ApplyOnnxModel(outputs, new[] { InputColumnName }, onnxPath).Fit(EmptyInput(ml));
            ((ICanSaveModel)onnx).Save(ctx); // the model bytes are copied into the ML.NET zip
        }
        finally
        {
            File.Delete(onnxPath);
        }
    }

    private byte[] OnnxBytes(bool foldBatchNorm, bool singleRow = false)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return EncoderOnnxExporter.Export(_encoder, new EncoderOnnxOptions
        {
            InputName = InputColumnName,
            FeaturesName = OutputColumnName,
            ProjectionName = ProjectionColumnName,
            InputScale = InputScale,
            FoldBatchNorm = foldBatchNorm,
            SingleRow = singleRow, // ML.NET's OnnxTransformer scores one row per run
        });
    }

    private sealed class PixelRow
    {
        public float[] Pixels { get; set; } = Array.Empty<float>();
    }

    /// <summary>An empty data view whose only column is the input pixel vector, to fit the OnnxTransformer on.</summary>
    private IDataView EmptyInput(MLContext ml)
    {
        var definition = SchemaDefinition.Create(typeof(PixelRow));
        definition[0].ColumnName = InputColumnName;
        definition[0].ColumnType = new VectorDataViewType(NumberDataViewType.Single, InputShape.Size);
        return ml.Data.LoadFromEnumerable(new List<PixelRow>(), definition);
    }
}
