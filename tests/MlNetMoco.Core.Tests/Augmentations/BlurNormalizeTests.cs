using MlNetMoco.Core.Augmentations;
using TorchSharp;
using static MlNetMoco.Core.Tests.Augmentations.AugmentationTestData;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Tests.Augmentations;

public class BlurNormalizeTests
{
    [Fact]
    public void Blur_keeps_a_constant_image_constant()
    {
        using var scope = NewDisposeScope();
        var images = full(new long[] { 4, 3, 16, 16 }, 0.3f);
        var output = Apply(new GaussianBlur(p: 1), images, 1);
        Assert.True(MaxAbsDiff(output, images) < 1e-6f);
    }

    [Fact]
    public void Blur_reduces_the_variance_of_noise_and_keeps_its_mean()
    {
        using var scope = NewDisposeScope();
        var images = Noise(8, 3, 16, 16);
        var output = Apply(new GaussianBlur(sigmaMin: 0.5, sigmaMax: 2, p: 1), images, 1);
        var before = images.flatten(1).var(1);
        var after = output.flatten(1).var(1);
        Assert.True((after < before * 0.8f).all().item<bool>());
        Assert.True(MaxAbsDiff(output.flatten(1).mean(new long[] { 1 }), images.flatten(1).mean(new long[] { 1 })) < 0.02f);
    }

    [Fact]
    public void Blur_matches_a_direct_gaussian_convolution_with_reflect_padding()
    {
        using var scope = NewDisposeScope();
        var images = Noise(2, 1, 9, 9);
        var output = GaussianBlur.Blur(images, new[] { 1.0, 0.7 }, 5);
        for (int s = 0; s < 2; s++)
        {
            double sigma = s == 0 ? 1.0 : 0.7;
            var k1 = Enumerable.Range(-2, 5).Select(x => Math.Exp(-0.5 * x * x / (sigma * sigma))).ToArray();
            double sum = k1.Sum();
            var k2 = new float[25];
            for (int i = 0; i < 5; i++)
                for (int j = 0; j < 5; j++) k2[i * 5 + j] = (float)(k1[i] * k1[j] / (sum * sum));
            var padded = nn.functional.pad(images[s].unsqueeze(0), new long[] { 2, 2, 2, 2 }, PaddingModes.Reflect);
            var expected = nn.functional.conv2d(padded, tensor(k2, new long[] { 1, 1, 5, 5 }));
            Assert.True(MaxAbsDiff(output[s].unsqueeze(0), expected) < 1e-5f);
        }
    }

    [Theory]
    [InlineData(32, 32, 13)]
    [InlineData(28, 28, 13)]
    [InlineData(16, 12, 11)]
    [InlineData(8, 8, 7)]
    [InlineData(2, 2, 1)]
    public void Kernel_size_follows_three_sigma_capped_to_the_image(int height, int width, int expected)
    {
        Assert.Equal(expected, new GaussianBlur().KernelSize(height, width));
    }

    [Fact]
    public void Blur_of_tiny_images_is_a_copy()
    {
        using var scope = NewDisposeScope();
        var images = Noise(3, 3, 2, 2);
        Assert.True(Identical(Apply(new GaussianBlur(p: 1), images, 1), images));
    }

    [Fact]
    public void Normalize_is_x_minus_mean_over_std_per_channel()
    {
        using var scope = NewDisposeScope();
        var images = Noise(4, 3, 8, 8);
        var mean = new[] { 0.485f, 0.456f, 0.406f };
        var std = new[] { 0.229f, 0.224f, 0.225f };
        var output = Apply(new Normalize(mean, std), images, 1);
        for (int c = 0; c < 3; c++)
            Assert.True(MaxAbsDiff(output[.., c], (images[.., c] - mean[c]) / std[c]) < 1e-5f);
    }

    [Fact]
    public void Normalize_rejects_a_channel_count_mismatch()
    {
        using var scope = NewDisposeScope();
        Assert.Throws<ArgumentException>(() => Apply(new Normalize(new[] { 0.5f }, new[] { 0.5f }), Noise(1, 3, 4, 4), 1));
    }
}
