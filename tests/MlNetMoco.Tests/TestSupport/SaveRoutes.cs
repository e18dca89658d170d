using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Onnx;

namespace MlNetMoco.Tests.TestSupport;

/// <summary>
/// The two ways a fitted <see cref="MoCoTransformer"/> is saved, checked on the same rows: its own file must give the
/// same features exactly, and <c>mlContext.Model.Save</c>/<c>Load</c> (the ONNX route) must load as an
/// <see cref="OnnxTransformer"/> whose features agree to 1e-4 in the encoder's raw units.
/// </summary>
public static class SaveRoutes
{
    /// <summary>The largest absolute difference between corresponding values of two lists of rows.</summary>
    public static float MaxAbsDiff(IEnumerable<float[]> a, IEnumerable<float[]> b) =>
        a.Zip(b).SelectMany(p => p.First.Zip(p.Second, (x, y) => Math.Abs(x - y))).Max();

    /// <summary>Checks both routes against <paramref name="features"/> (Transform's output); returns the model loaded from the zip.</summary>
    public static ITransformer AssertBothKeepFeatures(MLContext ml, MoCoTransformer transformer, IDataView data, IReadOnlyList<float[]> features)
    {
        using var stream = new MemoryStream();
        transformer.Save(stream);
        stream.Position = 0;
        using (var copy = MoCoTransformer.Load(ml, stream, "cpu"))
            Assert.Equal(features, copy.Transform(data).GetColumn<float[]>("Features").ToList());

        using var dir = new TempDirectory();
        string path = dir.File("model.zip");
        ml.Model.Save(transformer, data.Schema, path);
        var loaded = ml.Model.Load(path, out _);
        Assert.IsType<OnnxTransformer>(loaded is TransformerChain<ITransformer> chain ? chain.First() : loaded);
        var standardization = transformer.Encoder.FeatureStandardization;
        var onnxFeatures = loaded.Transform(data).GetColumn<float[]>("Features").ToList();
        Assert.True(MaxAbsDiff(RawFeatures.Of(features, standardization), RawFeatures.Of(onnxFeatures, standardization)) <= 1e-4f);
        return loaded;
    }
}
