using MlNetMoco.Core.Augmentations;
using TorchSharp;
using static MlNetMoco.Core.Tests.Augmentations.AugmentationTestData;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Tests.Augmentations;

public class AugmentationPresetsTests
{
    private static readonly float[] Mean3 = { 0.485f, 0.456f, 0.406f };
    private static readonly float[] Std3 = { 0.229f, 0.224f, 0.225f };

    [Theory]
    [InlineData(AugmentationPreset.MoCoV1, 3)]
    [InlineData(AugmentationPreset.MoCoV2, 3)]
    [InlineData(AugmentationPreset.MoCoV1, 1)]
    [InlineData(AugmentationPreset.MoCoV2, 1)]
    public void Presets_run_on_a_batch_and_output_the_requested_size(AugmentationPreset preset, int channels)
    {
        using var scope = NewDisposeScope();
        var mean = channels == 3 ? Mean3 : new[] { 0.5f };
        var std = channels == 3 ? Std3 : new[] { 0.25f };
        var pipeline = AugmentationPresets.Create(preset, 12, 10, channels, mean, std);
        var images = Noise(8, channels, 16, 16);
        var output = Apply(pipeline, images, 1);
        Assert.Equal(new long[] { 8, channels, 12, 10 }, output.shape);
        Assert.True(output.isfinite().all().item<bool>());
        // Normalised [0, 1] pixels: (0 − mean)/std ≤ x ≤ (1 − mean)/std.
        for (int c = 0; c < channels; c++)
        {
            var channel = output[.., c];
            Assert.True(channel.min().item<float>() >= (0 - mean[c]) / std[c] - 1e-4f);
            Assert.True(channel.max().item<float>() <= (1 - mean[c]) / std[c] + 1e-4f);
        }
    }

    [Fact]
    public void MoCoV1_is_crop_grayscale_jitter_flip_normalize_with_the_paper_parameters()
    {
        var ops = AugmentationPresets.MoCoV1(224, 224, 3, Mean3, Std3).Ops;
        Assert.Collection(ops,
            op => Assert.Equal((224, 224, 0.2, 1.0, 0.75, 4 / 3.0), Crop(op)),
            op => Assert.Equal(0.2, Assert.IsType<RandomGrayscale>(op).P),
            op => Assert.Equal((0.4, 0.4, 0.4, 0.4, 1.0), Jitter(op)),
            op => Assert.Equal(0.5, Assert.IsType<RandomHorizontalFlip>(op).P),
            op => Assert.Equal(Mean3, Assert.IsType<Normalize>(op).Mean));
    }

    [Fact]
    public void MoCoV2_is_crop_jitter_grayscale_blur_flip_normalize_with_the_paper_parameters()
    {
        var ops = AugmentationPresets.MoCoV2(224, 224, 3, Mean3, Std3).Ops;
        Assert.Collection(ops,
            op => Assert.Equal((224, 224, 0.2, 1.0, 0.75, 4 / 3.0), Crop(op)),
            op => Assert.Equal((0.4, 0.4, 0.4, 0.1, 0.8), Jitter(op)),
            op => Assert.Equal(0.2, Assert.IsType<RandomGrayscale>(op).P),
            op =>
            {
                var blur = Assert.IsType<GaussianBlur>(op);
                Assert.Equal((0.1, 2.0, 0.5), (blur.SigmaMin, blur.SigmaMax, blur.P));
            },
            op => Assert.Equal(0.5, Assert.IsType<RandomHorizontalFlip>(op).P),
            op => Assert.Equal(Std3, Assert.IsType<Normalize>(op).Std));
    }

    [Fact]
    public void Inference_only_normalizes()
    {
        using var scope = NewDisposeScope();
        var pipeline = AugmentationPresets.Inference(Mean3, Std3);
        Assert.IsType<Normalize>(Assert.Single(pipeline.Ops));
        var images = Noise(2, 3, 8, 8);
        Assert.True(Identical(Apply(pipeline, images, 1), Apply(pipeline, images, 2)));
    }

    [Fact]
    public void Presets_reject_normalisation_of_the_wrong_channel_count()
    {
        Assert.Throws<ArgumentException>(() => AugmentationPresets.MoCoV2(8, 8, 1, Mean3, Std3));
        Assert.Throws<ArgumentOutOfRangeException>(() => AugmentationPresets.Create((AugmentationPreset)7, 8, 8, 3, Mean3, Std3));
    }

    [Fact]
    public void Pipeline_applies_its_ops_in_order_and_an_empty_one_copies()
    {
        using var scope = NewDisposeScope();
        var images = Noise(2, 3, 8, 8);
        var flipThenNormalize = new AugmentationPipeline(new RandomHorizontalFlip(1), new Normalize(new[] { 0.5f, 0.5f, 0.5f }, new[] { 0.5f, 0.5f, 0.5f }));
        Assert.True(MaxAbsDiff(Apply(flipThenNormalize, images, 1), (images.flip(3) - 0.5f) / 0.5f) < 1e-6f);
        var empty = Apply(new AugmentationPipeline(), images, 1);
        Assert.True(Identical(empty, images));
        Assert.NotSame(images, empty);
    }

    private static (int, int, double, double, double, double) Crop(IBatchAugmentation op)
    {
        var crop = Assert.IsType<RandomResizedCrop>(op);
        return (crop.OutputHeight, crop.OutputWidth, crop.ScaleMin, crop.ScaleMax, crop.RatioMin, crop.RatioMax);
    }

    private static (double, double, double, double, double) Jitter(IBatchAugmentation op)
    {
        var jitter = Assert.IsType<ColorJitter>(op);
        return (jitter.Brightness, jitter.Contrast, jitter.Saturation, jitter.Hue, jitter.P);
    }
}
