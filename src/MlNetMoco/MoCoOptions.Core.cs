using MlNetMoco.Core.Augmentations;
using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Data;
using MlNetMoco.Core.Methods;
using MlNetMoco.Core.Optimization;
using MlNetMoco.Core.Training;

namespace MlNetMoco;

/// <summary>The mapping of <see cref="MoCoOptions"/> onto the core's options, whose checks name these properties.</summary>
public sealed partial class MoCoOptions
{
    /// <summary>Core setting paths whose <see cref="MoCoOptions"/> property has another name (the others keep theirs).</summary>
    private static readonly (string Core, string Property)[] Renamed =
    {
        ("Optimizer.Momentum", nameof(SgdMomentum)),
        ("Optimizer.Kind", nameof(Optimizer)),
        ("Backbone.ImageSize", nameof(ImageHeight)),
        ("Backbone.", ""),
        ("Method.", ""),
        ("Optimizer.", ""),
    };

    /// <summary>
    /// The core training options for images with <paramref name="channels"/> channels (the backbone's input channels):
    /// MoCo v1/v2 (<see cref="MoCoMethodOptions"/>) or, with <see cref="Version"/> = V3, MoCo v3
    /// (<see cref="MoCoV3MethodOptions"/>, <see cref="ToMoCoV3"/>) with these settings, validated. Settings left null take
    /// <paramref name="recipe"/>'s values (<see cref="RecipeFor"/>; null: the papers' settings, <see cref="AutoRecipe.Paper"/>).
    /// </summary>
    /// <param name="channels">Channels of the training images.</param>
    /// <param name="recipe">The values of the settings left null; null takes <see cref="AutoRecipe.Paper"/>.</param>
    /// <exception cref="ArgumentException">A training setting is out of range (the message names the <see cref="MoCoOptions"/> property).</exception>
    public TrainingOptions ToTrainingOptions(int channels, RecipeSettings? recipe = null)
    {
        var r = recipe ?? AutoRecipe.Paper();
        try
        {
            var backbone = Backbone ?? r.Backbone;
            bool v3 = Version == MoCoVersion.V3, v3Vit = v3 && BackboneSpec.IsVit(backbone);
            var optimizer = Optimizer ?? (v3 ? MoCoV3Defaults.OptimizerFor(backbone) : MoCoDefaults.Optimizer);
            int epochs = Epochs ?? r.Epochs;
            return new TrainingOptions
            {
                Method = v3 ? ToMoCoV3(r, backbone) : new MoCoMethodOptions
                {
                    Version = Version,
                    ProjectionDim = ProjectionDim,
                    QueueSize = QueueSize ?? r.QueueSize,
                    EncoderMomentum = EncoderMomentum ?? r.EncoderMomentum,
                    Temperature = Temperature,
                    BatchNormSplits = BatchNormSplits,
                    ExcludeSameImageNegatives = ExcludeSameImageNegatives,
                    Augmentation = Augmentation,
                    CropSize = CropSize,
                    CropScaleMin = CropScaleMin ?? r.CropScaleMin,
                    CropScaleMax = CropScaleMax ?? r.CropScaleMax,
                    HorizontalFlip = HorizontalFlip ?? r.HorizontalFlip,
                    GaussianBlur = GaussianBlur ?? r.GaussianBlur,
                    HueJitter = HueJitter ?? r.HueJitter,
                },
                Backbone = new BackboneSpec(backbone, channels, SmallImageStem ?? r.SmallImageStem, PatchSize: PatchSize),
                Epochs = epochs,
                BatchSize = BatchSize ?? r.BatchSize,
                Optimizer = new OptimizerOptions
                {
                    Kind = optimizer, Momentum = SgdMomentum,
                    WeightDecay = v3Vit && !_weightDecay.Assigned ? MoCoV3Defaults.WeightDecayOf(optimizer) : WeightDecay,
                },
                BaseLearningRate = BaseLearningRate ?? (v3 ? MoCoV3Defaults.BaseLearningRateOf(optimizer) : r.BaseLearningRate),
                Schedule = Schedule,
                WarmupEpochs = v3Vit && !_warmupEpochs.Assigned ? MoCoV3Defaults.WarmupEpochsFor(backbone, epochs) : WarmupEpochs,
                Device = Device,
                Seed = Seed,
                CheckpointDirectory = CheckpointDirectory,
                CheckpointEveryEpochs = CheckpointEveryEpochs,
                ResumeFrom = ResumeFrom,
            }.Validate();
        }
        catch (ArgumentException e)
        {
            throw InOwnNames(e);
        }
    }

    /// <summary>
    /// The core training options for images of <paramref name="shape"/>: <see cref="ToTrainingOptions(int, RecipeSettings?)"/>
    /// with the backbone's automatic sizes resolved (a ViT's image side and <see cref="PatchSize"/>,
    /// <see cref="TrainingOptions.ForImages"/>), checked before any row is read.
    /// </summary>
    /// <param name="shape">Shape of the training images.</param>
    /// <param name="recipe">The values of the settings left null.</param>
    /// <exception cref="ArgumentException">A setting is out of range or does not fit the images (the message names the <see cref="MoCoOptions"/> property).</exception>
    internal TrainingOptions ToTrainingOptionsFor(ImageShape shape, RecipeSettings recipe)
    {
        var options = ToTrainingOptions(shape.Channels, recipe);
        try
        {
            return options.ForImages(shape);
        }
        catch (ArgumentException e)
        {
            throw InOwnNames(e);
        }
    }

    /// <summary>
    /// MoCo v3's method options from these settings: <see cref="ProjectionDim"/>, <see cref="Temperature"/> (null: 1.0, 0.2 for ViTs),
    /// <see cref="EncoderMomentum"/> (null: 0.99, rising to 1), <see cref="BatchNormSplits"/>, and both views' crop,
    /// flip and blur settings on MoCo v3's asymmetric presets (the crop scale left null is 0.08 with the Paper recipe,
    /// the Auto recipe's otherwise). <see cref="QueueSize"/>, <see cref="ExcludeSameImageNegatives"/> and
    /// <see cref="Augmentation"/> do not apply (no queue; v3's own views).
    /// </summary>
    /// <param name="r">The recipe's values of the settings left null.</param>
    /// <param name="backbone">The backbone in use (its temperature).</param>
    private MoCoV3MethodOptions ToMoCoV3(RecipeSettings r, BackboneKind backbone)
    {
        ViewAugmentation View(AugmentationPreset preset) => new()
        {
            Preset = preset,
            CropSize = CropSize,
            CropScaleMin = CropScaleMin ?? (Recipe == MoCoRecipe.Paper ? MoCoV3Defaults.CropScaleMin : r.CropScaleMin),
            CropScaleMax = CropScaleMax ?? r.CropScaleMax,
            HorizontalFlip = HorizontalFlip ?? r.HorizontalFlip,
            GaussianBlur = GaussianBlur ?? r.GaussianBlur,
            HueJitter = HueJitter ?? r.HueJitter,
        };
        return new MoCoV3MethodOptions
        {
            ProjectionDim = ProjectionDim,
            Temperature = Temperature ?? MoCoV3Defaults.TemperatureFor(backbone),
            EncoderMomentum = EncoderMomentum ?? MoCoV3Defaults.EncoderMomentum,
            BatchNormSplits = BatchNormSplits,
            FirstView = View(AugmentationPreset.MoCoV3View1),
            SecondView = View(AugmentationPreset.MoCoV3View2),
        };
    }

    /// <summary>The epoch evaluators of these options: the k-NN monitor when <see cref="KnnMonitor"/> is set.</summary>
    /// <exception cref="ArgumentException"><see cref="KnnNeighbors"/> or <see cref="KnnTemperature"/> is out of range.</exception>
    internal IReadOnlyList<IEpochEvaluator> ToEvaluators()
    {
        if (KnnMonitor is null) return [];
        try
        {
            return [new KnnEvaluator(KnnMonitor, KnnNeighbors, KnnTemperature)];
        }
        catch (ArgumentException e)
        {
            throw InOwnNames(e);
        }
    }

    /// <summary>A core check's exception with the setting named as this class names it ("MoCoOptions.SgdMomentum = …").</summary>
    private static ArgumentException InOwnNames(ArgumentException e)
    {
        string message = e.Message, parameter = e.ParamName ?? "";
        foreach (var (core, property) in Renamed)
        {
            if (!message.StartsWith(core, StringComparison.Ordinal)) continue;
            string rest = message[core.Length..];
            int length = rest.TakeWhile(char.IsLetterOrDigit).Count(); // the core name after a prefix such as "Method."
            string name = property.Length > 0 ? property : rest[..length];
            return new ArgumentException($"{nameof(MoCoOptions)}.{name}{rest[length..]}", name, e);
        }
        int end = message.TakeWhile(char.IsLetterOrDigit).Count();
        return end > 0 && typeof(MoCoOptions).GetProperty(message[..end]) is not null && !message.StartsWith(nameof(MoCoOptions), StringComparison.Ordinal)
            ? new ArgumentException($"{nameof(MoCoOptions)}.{message}", string.IsNullOrEmpty(parameter) ? message[..end] : parameter, e)
            : e;
    }
}
