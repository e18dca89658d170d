using MlNetMoco.Core.Augmentations;
using TorchSharp;
using static MlNetMoco.Core.Tests.Augmentations.AugmentationTestData;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Tests.Augmentations;

/// <summary>Flip, grayscale, colour jitter and the colour-space helpers.</summary>
public class ColorOpsTests
{
    [Fact]
    public void Flip_with_probability_one_equals_flipping_the_width_axis()
    {
        using var scope = NewDisposeScope();
        var images = Noise(5, 3, 8, 8);
        Assert.True(Identical(Apply(new RandomHorizontalFlip(1), images, 1), images.flip(3)));
    }

    [Fact]
    public void Grayscale_with_probability_one_replicates_the_luma_to_every_channel()
    {
        using var scope = NewDisposeScope();
        var images = Noise(4, 3, 8, 8);
        var output = Apply(new RandomGrayscale(1), images, 1);
        var luma = images[.., 0] * 0.299f + images[.., 1] * 0.587f + images[.., 2] * 0.114f;
        for (int c = 0; c < 3; c++) Assert.True(MaxAbsDiff(output[.., c], luma) < 1e-6f);
    }

    [Fact]
    public void Grayscale_of_single_channel_images_is_a_copy()
    {
        using var scope = NewDisposeScope();
        var images = Noise(4, 1, 8, 8);
        var output = Apply(new RandomGrayscale(1), images, 1);
        Assert.True(Identical(output, images));
        Assert.NotSame(images, output);
    }

    [Fact]
    public void Brightness_jitter_multiplies_each_sample_by_one_factor_in_range()
    {
        using var scope = NewDisposeScope();
        // Values in [0.1, 0.7] so that x·f with f ≤ 1.4 never clips.
        var images = Noise(16, 3, 8, 8) * 0.6f + 0.1f;
        var output = Apply(new ColorJitter(brightness: 0.4, contrast: 0, saturation: 0, hue: 0, p: 1), images, 1);
        var ratio = output / images;
        var factor = ratio.flatten(1).mean(new long[] { 1 });
        Assert.True(MaxAbsDiff(ratio, factor.view(16, 1, 1, 1).expand_as(ratio)) < 1e-5f);
        Assert.True(factor.min().item<float>() >= 0.6f - 1e-6f && factor.max().item<float>() <= 1.4f + 1e-6f);
        Assert.True(factor.std().item<float>() > 0.05f, "factors should differ per sample");
    }

    [Fact]
    public void Brightness_contrast_and_saturation_follow_torchvision_blends()
    {
        using var scope = NewDisposeScope();
        var images = tensor(new float[] { 0.2f, 0.8f, 0.4f, 0.6f, 0.0f, 1.0f }, new long[] { 1, 3, 1, 2 });
        var half = tensor(0.5f);
        var twice = tensor(2f);
        // brightness: x·f, clamped
        Assert.True(MaxAbsDiff(ColorJitter.AdjustBrightness(images, half), images * 0.5f) < 1e-7f);
        Assert.True(MaxAbsDiff(ColorJitter.AdjustBrightness(images, twice), (images * 2f).clamp(0, 1)) < 1e-7f);
        // contrast: blend with the mean of the grayscale image
        var gray = images[.., 0] * 0.299f + images[.., 1] * 0.587f + images[.., 2] * 0.114f;
        var grayMean = gray.mean();
        Assert.True(MaxAbsDiff(ColorJitter.AdjustContrast(images, half), (images * 0.5f + grayMean * 0.5f).clamp(0, 1)) < 1e-6f);
        // saturation: blend with the grayscale image; factor 0 is the grayscale image itself
        Assert.True(MaxAbsDiff(ColorJitter.AdjustSaturation(images, tensor(0f)), gray.unsqueeze(1).expand_as(images)) < 1e-6f);
        Assert.True(MaxAbsDiff(ColorJitter.AdjustSaturation(images, twice), (images * 2f - gray.unsqueeze(1)).clamp(0, 1)) < 1e-6f);
    }

    [Fact]
    public void Jitter_of_single_channel_images_changes_only_brightness_and_contrast()
    {
        using var scope = NewDisposeScope();
        var images = Noise(8, 1, 8, 8);
        var colourOnly = new ColorJitter(brightness: 0, contrast: 0, saturation: 0.4, hue: 0.4, p: 1);
        Assert.True(Identical(Apply(colourOnly, images, 1), images));
        var full = Apply(new ColorJitter(0.4, 0.4, 0.4, 0.4, p: 1), images, 1);
        Assert.Equal(images.shape, full.shape);
        Assert.All(PerSampleMaxAbsDiff(full, images), d => Assert.True(d > 1e-3f));
    }

    [Fact]
    public void Jitter_matches_torchvision_factors_applied_in_a_per_sample_random_order()
    {
        using var scope = NewDisposeScope();
        // Reproduces the op from its documented draws (9 per sample: apply, 4 order keys, brightness, contrast,
        // saturation, hue) with the public single-op functions. Hue does not commute with contrast, so the order matters.
        const int n = 24;
        const double strength = 0.4, hueStrength = 0.1;
        var images = Noise(n, 3, 8, 8);
        var output = Apply(new ColorJitter(strength, strength, strength, hueStrength, p: 1), images, 6);
        var u = rand(new long[] { n, 9 }, dtype: ScalarType.Float64, generator: new Generator(6)).data<double>().ToArray();
        var orders = new HashSet<string>();
        for (int s = 0; s < n; s++)
        {
            double[] f =
            {
                0.6 + 0.8 * u[s * 9 + 5], 0.6 + 0.8 * u[s * 9 + 6], 0.6 + 0.8 * u[s * 9 + 7], hueStrength * (2 * u[s * 9 + 8] - 1),
            };
            var order = Enumerable.Range(0, 4).OrderBy(k => u[s * 9 + 1 + k]).ToArray();
            orders.Add(string.Join("", order));
            var x = images[s].unsqueeze(0);
            foreach (int op in order)
            {
                var factor = tensor((float)f[op]);
                x = op switch
                {
                    0 => ColorJitter.AdjustBrightness(x, factor),
                    1 => ColorJitter.AdjustContrast(x, factor),
                    2 => ColorJitter.AdjustSaturation(x, factor),
                    _ => ColorSpace.AdjustHue(x, factor.view(1, 1, 1, 1)),
                };
            }
            Assert.True(MaxAbsDiff(output[s].unsqueeze(0), x) < 1e-5f, $"sample {s}");
        }
        Assert.True(orders.Count > 5, $"only {orders.Count} distinct orders in {n} samples");
    }

    [Fact]
    public void Hue_shift_of_zero_is_the_identity_and_hsv_round_trips()
    {
        using var scope = NewDisposeScope();
        var images = Noise(4, 3, 8, 8);
        Assert.True(MaxAbsDiff(ColorSpace.HsvToRgb(ColorSpace.RgbToHsv(images)), images) < 1e-5f);
        Assert.True(MaxAbsDiff(ColorSpace.AdjustHue(images, zeros(4, 1, 1, 1)), images) < 1e-5f);
        var grays = Noise(2, 1, 8, 8).expand(2, 3, 8, 8);
        Assert.True(MaxAbsDiff(ColorSpace.HsvToRgb(ColorSpace.RgbToHsv(grays)), grays) < 1e-6f);
    }

    [Fact]
    public void Hsv_of_primaries_and_a_hue_shift_of_a_third_turns_red_into_green()
    {
        using var scope = NewDisposeScope();
        // red, green, blue, gray 0.5, dark yellow (0.5, 0.5, 0)
        var rgb = tensor(new float[] { 1, 0, 0, 0.5f, 0.5f, 0, 1, 0, 0.5f, 0.5f, 0, 0, 1, 0.5f, 0 }, new long[] { 1, 3, 1, 5 });
        var hsv = ColorSpace.RgbToHsv(rgb);
        var expected = tensor(new float[] { 0, 1 / 3f, 2 / 3f, 0, 1 / 6f, 1, 1, 1, 0, 1, 1, 1, 1, 0.5f, 0.5f }, new long[] { 1, 3, 1, 5 });
        Assert.True(MaxAbsDiff(hsv, expected) < 1e-6f);
        var shifted = ColorSpace.AdjustHue(rgb.narrow(3, 0, 1), tensor(1 / 3f).view(1, 1, 1, 1));
        Assert.True(MaxAbsDiff(shifted, tensor(new float[] { 0, 1, 0 }, new long[] { 1, 3, 1, 1 })) < 1e-5f);
        var wrapped = ColorSpace.AdjustHue(rgb.narrow(3, 0, 1), tensor(-1 / 3f).view(1, 1, 1, 1));
        Assert.True(MaxAbsDiff(wrapped, tensor(new float[] { 0, 0, 1 }, new long[] { 1, 3, 1, 1 })) < 1e-5f);
    }

    [Fact]
    public void Hue_jitter_keeps_value_and_saturation()
    {
        using var scope = NewDisposeScope();
        var images = Noise(8, 3, 8, 8);
        var output = Apply(new ColorJitter(0, 0, 0, hue: 0.5, p: 1), images, 2);
        var before = ColorSpace.RgbToHsv(images);
        var after = ColorSpace.RgbToHsv(output);
        Assert.True(MaxAbsDiff(before.narrow(1, 1, 2), after.narrow(1, 1, 2)) < 1e-5f);
        Assert.True(MaxAbsDiff(before.narrow(1, 0, 1), after.narrow(1, 0, 1)) > 0.05f);
    }
}
