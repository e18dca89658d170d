using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetMoco.Core.Backbones;
using MlNetMoco.Tests.TestSupport;

namespace MlNetMoco.Tests.Onnx;

/// <summary>
/// Real photos (PNG and JPEG, colour and grayscale) through LoadImages → ResizeImages → ExtractPixels → MoCo: the
/// chain reloaded with Model.Load (an OnnxTransformer in MoCo's place) gives the TorchSharp features to 1e-4, in the
/// encoder's raw units (the standardisation MoCo applies by default divides a difference by each dimension's std).
/// </summary>
/// <remarks>
/// The bound is |Δ| ≤ 1e-4 + 1e-5·|feature| (numpy's allclose with atol 1e-4, rtol 1e-5): 1e-4 for features of order
/// 1, float32 rounding beyond. After one training step the BatchNorm running statistics are far from the photos'
/// activations, so ResNet-50's eval-mode features reach ~140; there float32 TorchSharp itself is 1.2e-4 away from a
/// float64 evaluation of the same network (ONNX Runtime: 0.9e-4), and the two float32 results differ by 1.4e-4.
/// </remarks>
public class RealImageParityTests
{
    [Theory]
    [InlineData(BackboneKind.SmallConvNet, false, 16)]
    [InlineData(BackboneKind.ResNet18, true, 16)]
    [InlineData(BackboneKind.ResNet34, false, 32)]
    [InlineData(BackboneKind.ResNet50, false, 32)]
    public void Photos_get_the_same_features_from_ONNX_Runtime_after_Model_Load(BackboneKind kind, bool smallStem, int side)
    {
        var ml = new MLContext(seed: 1);
        using var dir = new TempDirectory();
        var data = ml.Data.LoadFromEnumerable(Photos.CopyTo(dir));
        var pixels = ml.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: "Path")
            .Append(ml.Transforms.ResizeImages("Image", imageWidth: side, imageHeight: side))
            .Append(ml.Transforms.ExtractPixels("Pixels", "Image"))
            .Fit(data);
        var pixelData = ml.Data.Cache(pixels.Transform(data));
        var options = TestOptions.Tiny();
        options.Backbone = kind;
        options.SmallImageStem = smallStem;
        using var moco = ml.Transforms.PretrainMoCo(options).Fit(pixelData); // one epoch: BatchNorm statistics of the photos
        var standardization = moco.Encoder.FeatureStandardization;
        var expected = RawFeatures.Of(moco.Transform(pixelData).GetColumn<float[]>("Features"), standardization).ToList();

        string path = dir.File("photos.zip");
        var chain = new TransformerChain<ITransformer>(pixels, new TransformerChain<ITransformer>(moco));
        ml.Model.Save(chain, data.Schema, path);
        var loaded = ml.Model.Load(path, out _);
        var actual = RawFeatures.Of(loaded.Transform(data).GetColumn<float[]>("Features"), standardization).ToList();

        Assert.Equal(Photos.Names.Length, actual.Count);
        Assert.Equal(moco.FeatureDimension, actual[0].Length);
        // Two float32 engines (libtorch, ONNX Runtime) sum in different orders, so a feature's error scales with the
        // magnitude of the activations it is summed from, not with its own value: a feature near 0 in a row whose
        // features reach 160 (one epoch of ResNet-50 training) may differ by ~2e-4. The bound is relative to the row's
        // largest feature; a wrong export differs by the features' own order of magnitude.
        var pairs = expected.Zip(actual).SelectMany(p =>
        {
            float rowLargest = p.First.Max(Math.Abs);
            return p.First.Zip(p.Second, (e, a) => (Expected: e, Actual: a, RowLargest: rowLargest));
        }).ToList();
        float worst = pairs.Max(p => Math.Abs(p.Expected - p.Actual));
        float largest = pairs.Max(p => Math.Abs(p.Expected));
        Assert.True(pairs.All(p => Math.Abs(p.Expected - p.Actual) <= 1e-4f + 1e-5f * p.RowLargest),
            $"{kind}: max |Δ| = {worst} (features up to {largest})");
        Assert.True(largest > 0.01f, "features are all near zero: the comparison would prove nothing");
    }
}
