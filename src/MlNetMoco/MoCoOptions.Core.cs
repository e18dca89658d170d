using MlNetMoco.Core.Augmentations;
using MlNetMoco.Core.Backbones;
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
            var optimizer = Optimizer ?? (Version == MoCoVersion.V3 ? MoCoV3Defaults.Optimizer : MoCoDefaults.Optimizer);
            return new TrainingOptions
            {
                Method = Version == MoCoVersion.V3 ? ToMoCoV3(r) : new MoCoMethodOptions
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
                },
                Backbone = new BackboneSpec(Backbone ?? r.Backbone, channels, SmallImageStem ?? r.SmallImageStem),
                Epochs = Epochs ?? r.Epochs,
                BatchSize = BatchSize ?? r.BatchSize,
                Optimizer = new OptimizerOptions { Kind = optimizer, Momentum = SgdMomentum, WeightDecay = WeightDecay },
                BaseLearningRate = BaseLearningRate ?? (Version == MoCoVersion.V3 ? MoCoV3Defaults.BaseLearningRateOf(optimizer) : r.BaseLearningRate),
                Schedule = Schedule,
                WarmupEpochs = WarmupEpochs,
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
    /// MoCo v3's method options from these settings: <see cref="ProjectionDim"/>, <see cref="Temperature"/> (null: 1.0),
    /// <see cref="EncoderMomentum"/> (null: 0.99, rising to 1), <see cref="BatchNormSplits"/>, and both views' crop,
    /// flip and blur settings on MoCo v3's asymmetric presets (the crop scale left null is 0.08 with the Paper recipe,
    /// the Auto recipe's otherwise). <see cref="QueueSize"/>, <see cref="ExcludeSameImageNegatives"/> and
    /// <see cref="Augmentation"/> do not apply (no queue; v3's own views).
    /// </summary>
    /// <param name="r">The recipe's values of the settings left null.</param>
    private MoCoV3MethodOptions ToMoCoV3(RecipeSettings r)
    {
        ViewAugmentation View(AugmentationPreset preset) => new()
        {
            Preset = preset,
            CropSize = CropSize,
            CropScaleMin = CropScaleMin ?? (Recipe == MoCoRecipe.Paper ? MoCoV3Defaults.CropScaleMin : r.CropScaleMin),
            CropScaleMax = CropScaleMax ?? r.CropScaleMax,
            HorizontalFlip = HorizontalFlip ?? r.HorizontalFlip,
            GaussianBlur = GaussianBlur ?? r.GaussianBlur,
        };
        return new MoCoV3MethodOptions
        {
            ProjectionDim = ProjectionDim,
            Temperature = Temperature ?? MoCoV3Defaults.Temperature,
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
