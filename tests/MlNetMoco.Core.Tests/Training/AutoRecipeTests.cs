using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Data;
using MlNetMoco.Core.Methods;
using MlNetMoco.Core.Training;

namespace MlNetMoco.Core.Tests.Training;

/// <summary><see cref="AutoRecipe"/>: the settings it chooses from N, C×H×W and the device, each with a reason.</summary>
public class AutoRecipeTests
{
    [Fact]
    public void A_small_grayscale_pool_on_the_CPU_gets_a_small_fast_recipe()
    {
        var r = AutoRecipe.Choose(1297, new ImageShape(1, 16, 16), cuda: false);
        Assert.Equal(BackboneKind.SmallConvNet, r.Backbone);
        Assert.True(r.SmallImageStem);
        Assert.Equal(128, r.BatchSize);
        Assert.Equal(200, r.Epochs); // ⌈300,000 / 1,297⌉ = 232, capped at 200
        Assert.Equal(QueueSizing.Choose(4096, 1297, 128).Size, r.QueueSize);
        Assert.Equal(1152, r.QueueSize);
        Assert.Equal(0.99, r.EncoderMomentum);
        Assert.Equal((0.5, 1.0), (r.CropScaleMin, r.CropScaleMax));
        Assert.False(r.GaussianBlur);
        Assert.True(r.HorizontalFlip);
        Assert.Contains("Channels", r.Reasons.Keys);
        foreach (var key in new[] { "Backbone", "SmallImageStem", "BatchSize", "Epochs", "BaseLearningRate", "QueueSize", "EncoderMomentum", "CropScale", "GaussianBlur", "HorizontalFlip" })
            Assert.False(string.IsNullOrWhiteSpace(r.Reasons[key]), key);
    }

    [Theory]
    [InlineData(1000, 64, 200)]
    [InlineData(2000, 128, 150)]
    [InlineData(5000, 128, 60)]
    [InlineData(10000, 128, 30)]
    [InlineData(60000, 128, 20)]
    [InlineData(300, 32, 200)]
    public void Batch_and_epochs_follow_the_pool_size(int count, int batch, int epochs)
    {
        var r = AutoRecipe.Choose(count, new ImageShape(3, 32, 32), cuda: false);
        Assert.Equal(batch, r.BatchSize);
        Assert.Equal(epochs, r.Epochs);
        Assert.True(r.QueueSize <= count / batch * batch - batch || r.QueueSize == batch, $"K = {r.QueueSize} for N = {count}, B = {batch}");
        Assert.Equal(0, r.BatchSize % MoCoDefaults.BatchNormSplits);
    }

    [Fact]
    public void A_CPU_run_gets_twice_MoCos_learning_rate_per_256_images()
    {
        var r = AutoRecipe.Choose(10000, new ImageShape(1, 28, 28), cuda: false);
        Assert.Equal(AutoRecipe.CpuBaseLearningRate, r.BaseLearningRate);
        Assert.Equal(2 * MoCoDefaults.BaseLearningRate, r.BaseLearningRate, 12);
        Assert.Contains("0.03 for batches of 128", r.Reasons["BaseLearningRate"]);
    }

    [Fact]
    public void The_epochs_reason_says_when_the_image_budget_was_clamped()
    {
        Assert.Equal("a budget of about 300,000 images seen on the CPU: 300,000 / 60000 images = 5 epochs, raised to the minimum of 20 (1,200,000 images seen)",
            AutoRecipe.Choose(60000, new ImageShape(1, 28, 28), cuda: false).Reasons["Epochs"]);
        Assert.Equal("a budget of about 300,000 images seen on the CPU: 300,000 / 10000 images = 30 epochs",
            AutoRecipe.Choose(10000, new ImageShape(1, 28, 28), cuda: false).Reasons["Epochs"]);
    }

    [Theory]
    [InlineData(16, 0.5, false, true)]
    [InlineData(32, 0.35, false, true)]
    [InlineData(48, 0.35, true, true)]
    [InlineData(96, 0.2, true, false)]
    public void Image_size_sets_crop_scale_blur_and_stem(int side, double cropMin, bool blur, bool smallStem)
    {
        var r = AutoRecipe.Choose(3000, new ImageShape(3, side, side), cuda: true);
        Assert.Equal(cropMin, r.CropScaleMin);
        Assert.Equal(blur, r.GaussianBlur);
        Assert.Equal(smallStem, r.SmallImageStem);
        Assert.Equal(BackboneKind.ResNet18, r.Backbone); // CUDA: ResNet-18 at every size
        Assert.DoesNotContain("Channels", r.Reasons.Keys);
    }

    [Fact]
    public void Cuda_gets_a_larger_budget_and_large_CPU_images_get_ResNet18()
    {
        var cuda = AutoRecipe.Choose(5000, new ImageShape(3, 32, 32), cuda: true);
        Assert.Equal((200, 256), (cuda.Epochs, cuda.BatchSize)); // the CPU gets batches of 128
        Assert.Equal(MoCoDefaults.BaseLearningRate, cuda.BaseLearningRate);
        Assert.Equal(BackboneKind.ResNet18, AutoRecipe.Choose(5000, new ImageShape(3, 96, 96), cuda: false).Backbone);
        Assert.Equal(0.999, AutoRecipe.Choose(1_000_000, new ImageShape(3, 96, 96), cuda: true).EncoderMomentum);
    }

    [Fact]
    public void Paper_is_MoCoDefaults_and_bad_input_is_refused()
    {
        var p = AutoRecipe.Paper();
        Assert.Equal((MoCoDefaults.Backbone, MoCoDefaults.Epochs, MoCoDefaults.BatchSize, MoCoDefaults.QueueSize, MoCoDefaults.EncoderMomentum, MoCoDefaults.CropScaleMin),
            (p.Backbone, p.Epochs, p.BatchSize, p.QueueSize, p.EncoderMomentum, p.CropScaleMin));
        Assert.True(p.GaussianBlur);
        Assert.Throws<ArgumentOutOfRangeException>(() => AutoRecipe.Choose(0, new ImageShape(1, 8, 8), false));
    }

    [Fact]
    public void No_recipe_chooses_a_ViT_by_itself()
    {
        foreach (bool cuda in new[] { false, true })
            foreach (int side in new[] { 8, 28, 32, 64, 96, 224 })
                foreach (int count in new[] { 100, 60_000, 1_000_000 })
                    Assert.False(BackboneSpec.IsVit(AutoRecipe.Choose(count, new ImageShape(3, side, side), cuda).Backbone), $"{count} images of {side} px, CUDA {cuda}");
        Assert.False(BackboneSpec.IsVit(AutoRecipe.Paper().Backbone));
    }

    [Fact]
    public void Colour_images_get_any_hue_and_the_views_use_it_while_grayscale_and_Paper_keep_the_preset()
    {
        var colour = AutoRecipe.Choose(1000, new ImageShape(3, 32, 32), cuda: false);
        Assert.Equal(AutoRecipe.ColourHueJitter, colour.HueJitter);
        Assert.Contains("HueJitter", colour.Reasons.Keys);
        Assert.Null(AutoRecipe.Choose(1000, new ImageShape(1, 32, 32), cuda: false).HueJitter);
        Assert.Null(AutoRecipe.Paper().HueJitter);

        var norm = new ImageNormalization([0.5f, 0.5f, 0.5f], [0.25f, 0.25f, 0.25f]);
        var shape = new ImageShape(3, 32, 32);
        var jittered = new MoCoMethodOptions { HueJitter = 0.5 }.Views[0].Build(shape, norm).Ops.OfType<MlNetMoco.Core.Augmentations.ColorJitter>().Single();
        var preset = new MoCoMethodOptions().Views[0].Build(shape, norm).Ops.OfType<MlNetMoco.Core.Augmentations.ColorJitter>().Single();
        Assert.Equal((0.5, 0.4, 0.8), (jittered.Hue, jittered.Saturation, jittered.P));
        Assert.Equal(0.1, preset.Hue);
        Assert.Throws<ArgumentException>(() => new ViewAugmentation { HueJitter = 0.6 }.Validate("view"));
    }
}
