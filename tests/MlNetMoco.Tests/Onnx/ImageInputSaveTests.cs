using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetMoco.Tests.TestSupport;

namespace MlNetMoco.Tests.Onnx;

/// <summary>A transformer that reads an MLImage column cannot become an ONNX model: Model.Save says what to do instead.</summary>
public class ImageInputSaveTests
{
    [Fact]
    public void Model_Save_of_a_transformer_reading_images_explains_ExtractPixels_and_our_own_Save()
    {
        var ml = new MLContext(seed: 1);
        using var dir = new TempDirectory();
        var files = Enumerable.Range(0, 12).Select(i =>
        {
            string path = dir.File($"image{i}.png");
            PngFiles.WriteSolid(path, i, side: 12);
            return new ImageFile { Path = path };
        }).ToList();
        var data = ml.Data.LoadFromEnumerable(files); // generated PNGs: the error, not the pixels, is under test
        var images = ml.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: "Path")
            .Append(ml.Transforms.ResizeImages("Image", imageWidth: 8, imageHeight: 8))
            .Fit(data);
        var options = TestOptions.Tiny();
        options.InputColumnName = "Image";
        using var moco = ml.Transforms.PretrainMoCo(options).Fit(images.Transform(data));
        var chain = new TransformerChain<ITransformer>(images, new TransformerChain<ITransformer>(moco));

        var error = Assert.Throws<NotSupportedException>(() => { ml.Model.Save(chain, data.Schema, dir.File("model.zip")); });
        Assert.Contains("'Image'", error.Message);
        Assert.Contains("ExtractPixels", error.Message);
        Assert.Contains("Save(path)", error.Message);

        // The transformer's own file still works for it.
        string own = dir.File("moco.mlnetmoco");
        moco.Save(own);
        using var reloaded = MoCoTransformer.Load(ml, own, "cpu");
        Assert.Equal("Image", reloaded.InputColumnName);
    }
}
