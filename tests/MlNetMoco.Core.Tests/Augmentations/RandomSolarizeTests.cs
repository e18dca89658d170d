using MlNetMoco.Core.Augmentations;
using TorchSharp;
using static MlNetMoco.Core.Tests.Augmentations.AugmentationTestData;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Tests.Augmentations;

/// <summary><see cref="RandomSolarize"/> (PIL's <c>ImageOps.solarize</c>) and MoCo v3's two views that use it.</summary>
public class RandomSolarizeTests
{
    [Fact]
    public void Values_at_or_above_the_threshold_are_inverted_and_the_others_kept()
    {
        using var scope = NewDisposeScope();
        var values = new[] { 0f, 0.2f, 0.5f, 128f / 255f, 0.51f, 0.9f, 1f };
        var images = tensor(values, new long[] { 1, 1, 1, values.Length });
        var output = RandomSolarize.Solarize(images, RandomSolarize.DefaultThreshold).data<float>().ToArray();
        // Per value from PIL's rule (a pixel p ≥ 128 becomes 255 − p), on [0, 1] values.
        for (int i = 0; i < values.Length; i++)
        {
            float expected = values[i] >= 128f / 255f ? 1f - values[i] : values[i];
            Assert.Equal(expected, output[i], 6);
        }
        Assert.Equal(0.5f, output[2]); // 0.5 < 128/255: kept
        Assert.Equal(0f, output[6], 6);
    }

    [Fact]
    public void Only_the_selected_samples_change_and_the_draw_is_seeded()
    {
        using var scope = NewDisposeScope();
        var images = Noise(200, 3, 4, 4);
        var changed = PerSampleMaxAbsDiff(Apply(new RandomSolarize(p: 0.2), images, 3), images).Count(d => d > 0);
        Assert.InRange(changed, 20, 60);
        Assert.True(Identical(Apply(new RandomSolarize(), images, 9), Apply(new RandomSolarize(), images, 9)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RandomSolarize(p: 1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RandomSolarize(threshold: -0.1));
    }

    [Fact]
    public void MoCo_v3_views_are_asymmetric_in_blur_and_solarisation()
    {
        var mean = new[] { 0.5f };
        var std = new[] { 0.25f };
        var first = AugmentationPresets.Create(AugmentationPreset.MoCoV3View1, 8, 8, 1, mean, std).Ops;
        var second = AugmentationPresets.Create(AugmentationPreset.MoCoV3View2, 8, 8, 1, mean, std).Ops;
        Assert.Equal(1.0, first.OfType<GaussianBlur>().Single().P);
        Assert.Empty(first.OfType<RandomSolarize>());
        Assert.Equal(0.1, second.OfType<GaussianBlur>().Single().P);
        Assert.Equal(0.2, second.OfType<RandomSolarize>().Single().P);
        Assert.All(new[] { first, second }, ops => Assert.Equal(0.08, ops.OfType<RandomResizedCrop>().Single().ScaleMin));
        Assert.IsType<Normalize>(second[^1]);
    }
}
