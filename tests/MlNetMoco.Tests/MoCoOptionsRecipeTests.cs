using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Data;
using MlNetMoco.Core.Methods;
using MlNetMoco.Core.Training;

namespace MlNetMoco.Tests;

/// <summary><see cref="MoCoOptions.Recipe"/>: null settings take the recipe's values, explicit ones win, each choice is described.</summary>
public class MoCoOptionsRecipeTests
{
    private static readonly ImageShape Digits = new(1, 16, 16);

    [Fact]
    public void Unset_settings_take_the_Auto_recipe_and_explicit_ones_win()
    {
        var options = new MoCoOptions { Epochs = 7, HorizontalFlip = false, CropScaleMin = 0.8 };
        var recipe = options.RecipeFor(1297, Digits, cuda: false);
        var t = options.ToTrainingOptions(1, recipe);
        var m = Assert.IsType<MoCoMethodOptions>(t.Method);

        Assert.Equal((7, 128, BackboneKind.SmallConvNet), (t.Epochs, t.BatchSize, t.Backbone.Kind));
        Assert.Equal((1152, 0.99, false, 0.8, 1.0, false), (m.QueueSize, m.EncoderMomentum, m.HorizontalFlip, m.CropScaleMin, m.CropScaleMax, m.GaussianBlur));

        var lines = options.DescribeChoices(recipe).ToList();
        Assert.Contains(lines, l => l.StartsWith("Auto recipe: Epochs = 7 (set explicitly; the recipe would choose 200)", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("Auto recipe: BatchSize = 128 (1297 images", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("Auto recipe: CropScale = 0.8–1 (set explicitly", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("1 channel", StringComparison.Ordinal));
    }

    [Fact]
    public void The_Paper_recipe_gives_MoCo_s_settings_whatever_the_input()
    {
        var options = new MoCoOptions { Recipe = MoCoRecipe.Paper };
        var t = options.ToTrainingOptions(1, options.RecipeFor(1297, Digits, cuda: false));
        Assert.Equal((MoCoDefaults.Epochs, MoCoDefaults.BatchSize, MoCoDefaults.Backbone), (t.Epochs, t.BatchSize, t.Backbone.Kind));
        Assert.True(((MoCoMethodOptions)t.Method).GaussianBlur);
    }
}
