using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using MlNetMoco.Demo.Data;

using MlNetMoco.Demo.Reporting;

namespace MlNetMoco.Demo.Jobs;

/// <summary>
/// The baseline an ML.NET user would otherwise pick: ML.NET's ImageNet featurizer, <c>DnnFeaturizeImage</c> with the
/// pretrained ResNet-18 of the Microsoft.ML.DnnImageFeaturizer.ResNet18 package (512 pooled features per image).
/// Each grayscale image is repeated into three channels and resized to the 224×224 the network expects, as its
/// documentation asks (ResizeImages → ExtractPixels → DnnFeaturizeImage). The ONNX model scores one row per run
/// (about 30 images/s on two cores), so only the rows a probe needs are featurized, and every feature is cached in
/// the output folder for the next run.
/// </summary>
public sealed class ImageNetFeaturizer
{
    /// <summary>Side of the network's input.</summary>
    public const int InputSide = 224;

    private const int Dimension = 512;
    private const int CacheFormat = 2;

    private readonly MLContext _ml;
    private readonly FashionMnist _data;
    private readonly string _cacheFile;
    private readonly CancellationToken _cancellationToken;
    private readonly float[]?[] _train;
    private float[][]? _test;
    private ITransformer? _model;

    private sealed class PictureRow
    {
        [ImageType(ImageRow.Side, ImageRow.Side)]
        public MLImage Image { get; set; } = null!;
    }

    private sealed class FeatureRow
    {
        public float[] Features { get; set; } = Array.Empty<float>();
    }

    /// <summary>A featurizer for <paramref name="data"/> that keeps its features in <paramref name="cacheFile"/>.</summary>
    public ImageNetFeaturizer(MLContext ml, FashionMnist data, string cacheFile, CancellationToken cancellationToken)
    {
        _ml = ml;
        _data = data;
        _cacheFile = cacheFile;
        _cancellationToken = cancellationToken;
        _train = new float[]?[data.Train.Length];
        ReadCache();
    }

    /// <summary>
    /// Features of the training rows <paramref name="labelled"/> (the other entries of the training array stay null)
    /// and of every test image.
    /// </summary>
    public (float[][] Train, float[][] Test) Features(int[] labelled)
    {
        var missing = labelled.Where(i => _train[i] == null).ToArray();
        int total = missing.Length + (_test == null ? _data.Test.Length : 0);
        if (total > 0)
        {
            Console.WriteLine($"  ImageNet ResNet-18 featurizer: {total:N0} images to featurize at {InputSide}×{InputSide} (cached in {_cacheFile} for later runs)");
            var clock = Stopwatch.StartNew();
            int done = 0;
            var trainFeatures = Featurize(missing.Select(i => _data.Train[i]), clock, total, ref done);
            for (int k = 0; k < missing.Length; k++) _train[missing[k]] = trainFeatures[k];
            _test ??= Featurize(_data.Test, clock, total, ref done);
            WriteCache();
        }
        return (_train.Select(v => v!).ToArray(), _test!);
    }

    private float[][] Featurize(IEnumerable<ImageRow> rows, Stopwatch clock, int total, ref int done)
    {
        _model ??= _ml.Transforms.ResizeImages("Image", InputSide, InputSide, "Image")
            .Append(_ml.Transforms.ExtractPixels("Pixels", "Image"))
            .Append(_ml.Transforms.DnnFeaturizeImage("Features", m => m.ModelSelector.ResNet18(_ml, m.OutputColumn, m.InputColumn), "Pixels"))
            .Fit(_ml.Data.LoadFromEnumerable(Array.Empty<PictureRow>()));
        var scored = _model.Transform(_ml.Data.LoadFromEnumerable(rows.Select(ToPicture)));
        var features = new List<float[]>();
        foreach (var row in _ml.Data.CreateEnumerable<FeatureRow>(scored, reuseRowObject: false))
        {
            _cancellationToken.ThrowIfCancellationRequested();
            features.Add(row.Features);
            if (++done % 500 == 0 || done == total)
            {
                double rate = done / clock.Elapsed.TotalSeconds;
                Console.WriteLine($"  ImageNet ResNet-18 featurizer: {done:N0}/{total:N0} images, {rate:F0} images/s, ETA {Duration.Format(TimeSpan.FromSeconds((total - done) / rate))}");
            }
        }
        return features.ToArray();
    }

    private static PictureRow ToPicture(ImageRow row)
    {
        // One gray value into B, G and R (ExtractPixels then gives three equal planes); opaque alpha.
        var bgra = new byte[ImageRow.Side * ImageRow.Side * 4];
        for (int p = 0; p < ImageRow.Side * ImageRow.Side; p++)
        {
            byte v = (byte)Math.Clamp(MathF.Round(row.Pixels[p]), 0, 255);
            bgra[4 * p] = bgra[4 * p + 1] = bgra[4 * p + 2] = v;
            bgra[4 * p + 3] = 255;
        }
        return new PictureRow { Image = MLImage.CreateFromPixels(ImageRow.Side, ImageRow.Side, MLPixelFormat.Bgra32, bgra) };
    }

    // Cache file: format, data source, row counts and dimension, then the test features (when present) and one
    // flag + features per training row. A file of other data or another format is ignored and rewritten.
    private void ReadCache()
    {
        if (!File.Exists(_cacheFile)) return;
        using var reader = new BinaryReader(File.OpenRead(_cacheFile));
        if (reader.ReadInt32() != CacheFormat || reader.ReadString() != _data.Source || reader.ReadInt32() != _data.Train.Length
            || reader.ReadInt32() != _data.Test.Length || reader.ReadInt32() != Dimension)
            return;
        float[] Vector()
        {
            var v = new float[Dimension];
            reader.BaseStream.ReadExactly(MemoryMarshal.AsBytes(v.AsSpan()));
            return v;
        }
        if (reader.ReadBoolean()) _test = Enumerable.Range(0, _data.Test.Length).Select(_ => Vector()).ToArray();
        for (int i = 0; i < _train.Length; i++)
            if (reader.ReadBoolean()) _train[i] = Vector();
    }

    private void WriteCache()
    {
        string temporary = _cacheFile + ".tmp";
        using (var writer = new BinaryWriter(File.Create(temporary)))
        {
            writer.Write(CacheFormat);
            writer.Write(_data.Source);
            writer.Write(_data.Train.Length);
            writer.Write(_data.Test.Length);
            writer.Write(Dimension);
            writer.Write(_test != null);
            foreach (var v in _test ?? Array.Empty<float[]>()) writer.Write(MemoryMarshal.AsBytes(v.AsSpan()));
            foreach (var v in _train)
            {
                writer.Write(v != null);
                if (v != null) writer.Write(MemoryMarshal.AsBytes(v.AsSpan()));
            }
        }
        File.Move(temporary, _cacheFile, overwrite: true);
    }
}
