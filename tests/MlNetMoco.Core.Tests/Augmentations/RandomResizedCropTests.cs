using MlNetMoco.Core.Augmentations;
using TorchSharp;
using static MlNetMoco.Core.Tests.Augmentations.AugmentationTestData;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Tests.Augmentations;

public class RandomResizedCropTests
{
    [Fact]
    public void Full_square_crop_to_the_same_size_is_the_identity()
    {
        using var scope = NewDisposeScope();
        var images = Noise(4, 3, 16, 16);
        var op = new RandomResizedCrop(16, 16, scaleMin: 1, scaleMax: 1, ratioMin: 1, ratioMax: 1);
        Assert.True(MaxAbsDiff(Apply(op, images, 1), images) < 1e-5f);
    }

    [Fact]
    public void Without_a_fitting_box_the_central_crop_is_taken()
    {
        using var scope = NewDisposeScope();
        // A 16×8 (H×W) image cannot hold a square box of its full area: torchvision falls back to the central 8×8 crop.
        var images = Noise(2, 1, 16, 8);
        var op = new RandomResizedCrop(8, 8, scaleMin: 1, scaleMax: 1, ratioMin: 1, ratioMax: 1);
        Assert.True(MaxAbsDiff(Apply(op, images, 1), images.narrow(2, 4, 8)) < 1e-5f);
    }

    [Fact]
    public void Output_size_may_differ_from_the_input_and_boxes_differ_per_sample()
    {
        using var scope = NewDisposeScope();
        var images = Repeated(8, 3, 16, 16);
        var output = Apply(new RandomResizedCrop(24, 20), images, 2);
        Assert.Equal(new long[] { 8, 3, 24, 20 }, output.shape);
        for (int i = 1; i < 8; i++) Assert.False(output[i].allclose(output[0]));
    }

    [Fact]
    public void Crops_of_a_constant_image_are_constant()
    {
        using var scope = NewDisposeScope();
        var images = full(new long[] { 4, 3, 9, 13 }, 0.25f);
        var output = Apply(new RandomResizedCrop(7, 5), images, 3);
        Assert.True(MaxAbsDiff(output, full(new long[] { 4, 3, 7, 5 }, 0.25f)) < 1e-6f);
    }

    [Theory]
    [InlineData(0.5, 16, 16)] // full-height, half-width box (16×8), upsampled
    [InlineData(2.0, 6, 4)] // half-height, full-width box (8×16), downsampled
    public void A_half_area_crop_matches_bilinear_resizing_of_the_cropped_box(double ratio, int outH, int outW)
    {
        using var scope = NewDisposeScope();
        // scale 0.5 of a 16×16 image with ratio w/h = 0.5 (or 2) gives a 16×8 (or 8×16) box at a random offset;
        // the result must equal torchvision's crop-then-resize (F.interpolate, bilinear, align_corners=False).
        var images = Noise(4, 3, 16, 16);
        var op = new RandomResizedCrop(outH, outW, scaleMin: 0.5, scaleMax: 0.5, ratioMin: ratio, ratioMax: ratio);
        var output = Apply(op, images, 4);
        int dim = ratio < 1 ? 3 : 2;
        for (int s = 0; s < 4; s++)
        {
            bool matched = false;
            for (int offset = 0; offset <= 8 && !matched; offset++)
            {
                var box = images[s].unsqueeze(0).narrow(dim, offset, 8);
                var expected = nn.functional.interpolate(box, new long[] { outH, outW }, mode: InterpolationMode.Bilinear, align_corners: false);
                matched = MaxAbsDiff(output[s].unsqueeze(0), expected) < 1e-5f;
            }
            Assert.True(matched, $"sample {s} is not a bilinear resize of a half-area box");
        }
    }
}
