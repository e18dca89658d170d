using System.Globalization;
using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Data;
using MlNetMoco.Core.Training;

namespace MlNetMoco;

public sealed partial class MoCoOptions
{
    /// <summary>
    /// Where the training settings left null come from. <see cref="MoCoRecipe.Auto"/> adapts them to the input when
    /// Fit has read it (image count N, channels, size, device): backbone and stem, batch size, epochs, learning rate,
    /// queue size, key-encoder momentum, crop-scale range, blur and flip (rules on <see cref="AutoRecipe.Choose"/>),
    /// and logs one line per choice with its reason. <see cref="MoCoRecipe.Paper"/> takes the MoCo papers' settings
    /// (<see cref="MoCoDefaults"/>). A setting given explicitly always wins. Default <see cref="MoCoRecipe.Auto"/>
    /// (an MlNetMoco addition).
    /// </summary>
    public MoCoRecipe Recipe { get; set; } = MoCoRecipe.Auto;

    /// <summary>
    /// MoCo v2's random Gaussian blur (σ ∈ [0.1, 2] px, p = 0.5; MoCo v1 has none). Null lets <see cref="Recipe"/>
    /// decide (Auto: only for images larger than 32 px; Paper: on, Chen et al. 2020). Default null.
    /// </summary>
    public bool? GaussianBlur { get; set; }

    /// <summary>
    /// Hue strength x of the colour jitter, from 0 to 0.5 (hue shift uniform in [−x, x] turns; 0.5 draws any hue).
    /// Null lets <see cref="Recipe"/> decide (Auto: 0.5 for colour images, so two views of an image do not share its
    /// colours and the features cannot tell images apart by colour alone; Paper: the preset's, 0.1 for MoCo v2 and
    /// v3, Chen et al. 2020 and 2021, 0.4 for v1, He et al. 2019). Grayscale images are not affected. Default null.
    /// </summary>
    public double? HueJitter { get; set; }

    /// <summary>
    /// The recipe's settings for <paramref name="imageCount"/> images of <paramref name="shape"/>:
    /// <see cref="AutoRecipe.Choose"/> or <see cref="AutoRecipe.Paper"/> as <see cref="Recipe"/> says. Settings set
    /// on these options replace them in <see cref="ToTrainingOptions"/>.
    /// </summary>
    /// <param name="imageCount">Number of training images N.</param>
    /// <param name="shape">Shape of the training images.</param>
    /// <param name="cuda">Whether training runs on CUDA.</param>
    public RecipeSettings RecipeFor(int imageCount, ImageShape shape, bool cuda) =>
        Recipe == MoCoRecipe.Paper ? AutoRecipe.Paper() : AutoRecipe.Choose(Math.Max(1, imageCount), shape, cuda);

    /// <summary>
    /// One line per setting the recipe chose ("Auto recipe: BatchSize = 128 (…reason…)"); settings given explicitly
    /// are reported as such.
    /// </summary>
    /// <param name="recipe">The settings of <see cref="RecipeFor"/>.</param>
    /// <param name="shape">The training images' shape: with a ViT backbone, a line gives the patch size for it. Default null.</param>
    public IEnumerable<string> DescribeChoices(RecipeSettings recipe, ImageShape? shape = null)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        string name = Recipe.ToString();
        string Line(string setting, object? own, object chosen)
        {
            string reason = recipe.Reasons.TryGetValue(setting, out var r) ? r : "";
            return own is null
                ? $"{name} recipe: {setting} = {Format(chosen)} ({reason})."
                : $"{name} recipe: {setting} = {Format(own)} (set explicitly; the recipe would choose {Format(chosen)}).";
        }
        yield return Line("Backbone", Backbone, recipe.Backbone);
        yield return Line("SmallImageStem", SmallImageStem, recipe.SmallImageStem);
        if (BackboneSpec.IsVit(Backbone ?? recipe.Backbone))
            yield return PatchLine(name, shape);
        yield return Line("BatchSize", BatchSize, recipe.BatchSize);
        yield return Line("Epochs", Epochs, recipe.Epochs);
        yield return Line("BaseLearningRate", BaseLearningRate, recipe.BaseLearningRate);
        yield return Line("QueueSize", QueueSize, recipe.QueueSize);
        yield return Line("EncoderMomentum", EncoderMomentum, recipe.EncoderMomentum);
        yield return Line("CropScale", CropScaleMin is null && CropScaleMax is null ? null : $"{Format(CropScaleMin ?? recipe.CropScaleMin)}–{Format(CropScaleMax ?? recipe.CropScaleMax)}",
            $"{Format(recipe.CropScaleMin)}–{Format(recipe.CropScaleMax)}");
        yield return Line("GaussianBlur", GaussianBlur, recipe.GaussianBlur);
        yield return Line("HueJitter", HueJitter, recipe.HueJitter ?? (object)"the preset's");
        yield return Line("HorizontalFlip", HorizontalFlip, recipe.HorizontalFlip);
        if (recipe.Reasons.TryGetValue("Channels", out var channels)) yield return $"{name} recipe: {channels}.";
    }

    /// <summary>The patch size line of a ViT backbone: the automatic size for the images, or the one set.</summary>
    private string PatchLine(string recipe, ImageShape? shape)
    {
        string rule = $"{BackboneSpec.SmallImagePatchSize} px for images under {BackboneSpec.LargeImageSide} px a side, " +
            $"{BackboneSpec.LargeImagePatchSize} from {BackboneSpec.LargeImageSide} px";
        if (PatchSize != 0)
            return $"{recipe} recipe: PatchSize = {PatchSize} (set explicitly; automatic: {rule}).";
        if (shape is not { } s)
            return $"{recipe} recipe: PatchSize = auto ({rule}).";
        int patch = BackboneSpec.AutoPatchSize(s.Height);
        return $"{recipe} recipe: PatchSize = {patch} (ViT backbone, automatic: {rule}; {s.Height / patch * (s.Width / patch)} patches per image).";
    }

    private static string Format(object value) => value switch
    {
        double d => d.ToString("0.####", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };
}
