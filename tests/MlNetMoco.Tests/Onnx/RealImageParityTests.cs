using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetMoco.Tests.TestSupport;

namespace MlNetMoco.Tests.Onnx;

public class RealImageParityTests
{
    [Fact]
    public void Photos_get_the_same_features_from_ONNX_Runtime_after_Model_Load()
    {
        var ml = new MLContext(seed: 1);
        using var dir = new TempDirectory();
        var data = ml.Data.LoadFromEnumerable(Photos.CopyTo(dir));
        var pixels = ml.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: "Path")
            .Append(ml.Transforms.ResizeImages("Image", imageWidth: 16, imageHeight: 16))
            .Append(ml.Transforms.ExtractPixels("Pixels", "Image"))
            .Fit(data);
        var pixelData = ml.Data.Cache(pixels.Transform(data));
        using var moco = ml.Transforms.PretrainMoCo(TestOptions.Tiny()).Fit(pixelData);
        var expected = moco.Transform(pixelData).GetColumn<float[]>("Features").ToList();

        string path = dir.File("photos.zip");
        var chain = new TransformerChain<ITransformer>(pixels, new TransformerChain<ITransformer>(moco));
        ml.Model.Save(chain, data.Schema, path);
        var loaded = ml.Model.Load(path, out _);
        var actual = loaded.Transform(data).GetColumn<float[]>("Features").ToList();

        Assert.Equal(Photos.Names.Length, actual.Count);
        float worst = expected.Zip(actual).SelectMany(p => p.First.Zip(p.Second, (a, b) => Math.Abs(a - b))).Max();
        Assert.True(worst <= 1e-4f, $"max |Δ| = {worst}");
    }
}
