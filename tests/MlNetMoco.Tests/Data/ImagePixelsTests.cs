using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetMoco.Core.Data;
using MlNetMoco.Core.Inference;
using MlNetMoco.Tests.TestSupport;

namespace MlNetMoco.Tests.Data;

/// <summary>MLImage columns read directly, as ExtractPixels would read them.</summary>
public class ImagePixelsTests
{
    private readonly MLContext _ml = new(seed: 1);

    private IDataView ResizedPhotos(TempDirectory dir, int width, int height)
    {
        var data = _ml.Data.LoadFromEnumerable(Photos.CopyTo(dir));
        return _ml.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: "Path")
            .Append(_ml.Transforms.ResizeImages("Image", imageWidth: width, imageHeight: height))
            .Fit(data).Transform(data);
    }

    private static TrainedEncoder EncoderOf(MoCoTransformer transformer)
    {
        using var stream = new MemoryStream();
        transformer.Save(stream);
        stream.Position = 0;
        using var zip = new System.IO.Compression.ZipArchive(stream);
        using var encoder = zip.GetEntry("encoder.bin")!.Open();
        return TrainedEncoder.Load(encoder, "cpu");
    }

    [Fact]
    public void An_image_column_gives_the_features_of_its_ExtractPixels_output()
    {
        using var dir = new TempDirectory();
        var images = ResizedPhotos(dir, width: 12, height: 10);

        // Trained directly on the MLImage column (LoadImages → ResizeImages → MoCo)...
        var options = TestOptions.Tiny();
        options.InputColumnName = "Image";
        using var fromImages = _ml.Transforms.PretrainMoCo(options).Fit(images);
        Assert.Equal(new ImageShape(3, 10, 12), fromImages.InputShape);

        // ...the same encoder applied to ExtractPixels' output (default settings) of the same images gives the same features.
        var pixels = _ml.Transforms.ExtractPixels("Pixels", "Image").Fit(images).Transform(images);
        using var fromPixels = new MoCoTransformer(EncoderOf(fromImages), new MoCoOptions { InputColumnName = "Pixels" });
        var a = fromImages.Transform(images).GetColumn<float[]>("Features").ToList();
        var b = fromPixels.Transform(pixels).GetColumn<float[]>("Features").ToList();
        Assert.Equal(12, a.Count);
        Assert.Equal(a, b);
    }

    [Fact]
    public void One_channel_reads_an_image_column_as_luminance()
    {
        using var dir = new TempDirectory();
        var images = ResizedPhotos(dir, width: 8, height: 8);
        var options = TestOptions.Tiny();
        options.InputColumnName = "Image";
        options.ImageChannels = 1;

        using var transformer = _ml.Transforms.PretrainMoCo(options).Fit(images);

        Assert.Equal(new ImageShape(1, 8, 8), transformer.InputShape);
        Assert.Single(transformer.Normalization.Mean);
        // camera.png is a gray photo (R = G = B), so its luminance plane is ExtractPixels' red plane, value for value.
        var pixels = _ml.Transforms.ExtractPixels("Pixels", "Image").Fit(images).Transform(images).GetColumn<float[]>("Pixels").ToList();
        int camera = Array.IndexOf(Photos.Names, "camera.png");
        var gray = new[] { new FlatPixelRow { Pixels = pixels[camera][..64] } };
        using var fromGray = new MoCoTransformer(EncoderOf(transformer), new MoCoOptions());
        var expected = fromGray.Transform(_ml.Data.LoadFromEnumerable(gray)).GetColumn<float[]>("Features").Single();
        var actual = transformer.Transform(images).GetColumn<float[]>("Features").ElementAt(camera);
        Assert.Equal(expected, actual);
    }
}
