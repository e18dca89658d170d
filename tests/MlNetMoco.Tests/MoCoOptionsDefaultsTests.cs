using Microsoft.ML;
using System.Reflection;
using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Methods;
using MlNetMoco.Core.Optimization;
using MlNetMoco.Core.Training;

namespace MlNetMoco.Tests;

/// <summary>The ML.NET options, the catalog's flat overload and the core options keep one set of defaults (<see cref="MoCoDefaults"/>).</summary>
public class MoCoOptionsDefaultsTests
{
    /// <summary>MoCoOptions properties whose core counterpart has another name or place.</summary>
    private static readonly Dictionary<string, Func<TrainingOptions, object?>> Renamed = new()
    {
        [nameof(MoCoOptions.SgdMomentum)] = t => t.Optimizer.Momentum,
        [nameof(MoCoOptions.Optimizer)] = t => t.Optimizer.Kind,
        [nameof(MoCoOptions.Backbone)] = t => t.Backbone.Kind,
        [nameof(MoCoOptions.SmallImageStem)] = t => t.Backbone.SmallImageStem,
        [nameof(MoCoOptions.PatchSize)] = t => t.Backbone.PatchSize,
        [nameof(MoCoOptions.KnnNeighbors)] = _ => new KnnEvaluator(Dummy()).Neighbors,
        [nameof(MoCoOptions.KnnTemperature)] = _ => new KnnEvaluator(Dummy()).Temperature,
    };

    /// <summary>Settings that are null by default: <see cref="MoCoOptions.Recipe"/> (or, for the optimizer, the version) decides them.</summary>
    private static readonly HashSet<string> RecipeDecided =
    [
        "Backbone", "SmallImageStem", "QueueSize", "EncoderMomentum", "Epochs", "BatchSize", "BaseLearningRate", "CropScaleMin",
        "CropScaleMax", "HorizontalFlip", "GaussianBlur", "HueJitter", "Optimizer",
    ];

    private static KnnMonitorData Dummy()
    {
        var images = new Core.Data.InMemoryImageDataset(new Core.Data.ImageShape(1, 2, 2));
        images.Add(new float[4]);
        return new KnnMonitorData(images, [0], images, [0]);
    }

    /// <summary>The value of the core setting of that name: in the loop's options, the method's or the optimizer's.</summary>
    private static bool TryCore(TrainingOptions core, string name, out object? value)
    {
        if (Renamed.TryGetValue(name, out var read))
        {
            value = read(core);
            return true;
        }
        foreach (var owner in new object[] { core, core.Method, core.Optimizer })
            if (owner.GetType().GetProperty(name, BindingFlags.Public | BindingFlags.Instance) is { CanWrite: true } property)
            {
                value = property.GetValue(owner);
                return true;
            }
        value = null;
        return false;
    }

    [Fact]
    public void Every_MoCoOptions_setting_that_maps_to_a_core_option_has_the_core_default()
    {
        var ours = new MoCoOptions();
        var core = new TrainingOptions(); // the core's own defaults, not ToTrainingOptions: the two must agree by themselves
        var paper = ours.ToTrainingOptions(3); // settings left null (the recipe decides) take the Paper recipe here
        var compared = new List<string>();
        foreach (var property in typeof(MoCoOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
        {
            if (!TryCore(core, property.Name, out var expected)) continue;
            compared.Add(property.Name);
            object? actual = property.GetValue(ours);
            if (actual is null && RecipeDecided.Contains(property.Name)) TryCore(paper, property.Name, out actual);
            Assert.True(Equals(expected, actual), $"MoCoOptions.{property.Name} defaults to {actual}, the core to {expected}.");
        }
        // Every training setting is covered (a new one without a core counterpart would show here).
        Assert.Equal(new[]
        {
            "Augmentation", "Backbone", "BaseLearningRate", "BatchNormSplits", "BatchSize", "CheckpointDirectory", "CheckpointEveryEpochs", "CropScaleMax",
            "CropScaleMin", "CropSize", "Device", "EncoderMomentum", "Epochs", "ExcludeSameImageNegatives", "GaussianBlur", "HorizontalFlip", "HueJitter", "KnnNeighbors", "KnnTemperature",
            "Optimizer", "PatchSize", "ProjectionDim", "QueueSize", "ResumeFrom", "Schedule", "Seed", "SgdMomentum", "SmallImageStem", "Temperature", "Version",
            "WarmupEpochs", "WeightDecay",
        }, compared.Order(StringComparer.Ordinal));
        Assert.Equal(MoCoDefaults.Version, ours.Version);
        Assert.Null(ours.Backbone); // the Auto recipe decides
        Assert.Equal(MoCoRecipe.Auto, ours.Recipe);
        Assert.Equal(BackboneKind.ResNet18, paper.Backbone.Kind);
        Assert.Null(ours.Optimizer); // the version decides: SGD for v1 and v2
        Assert.Equal(OptimizerKind.Sgd, paper.Optimizer.Kind);
    }

    [Fact]
    public void The_default_MoCoOptions_map_to_the_default_core_options()
    {
        var mapped = new MoCoOptions().ToTrainingOptions(channels: 3);
        Assert.Empty(TrainingOptionsJson.Differences(new TrainingOptions(), mapped));
        Assert.Equal(new MoCoMethodOptions(), mapped.Method with { });
    }

    [Fact]
    public void The_flat_catalog_overload_defaults_to_the_MoCoOptions_defaults()
    {
        var method = typeof(MoCoCatalog).GetMethods().Single(m => m.Name == nameof(MoCoCatalog.PretrainMoCo) && m.GetParameters().Length > 2);
        var ours = new MoCoOptions();
        foreach (var parameter in method.GetParameters().Skip(1))
        {
            var property = typeof(MoCoOptions).GetProperty(char.ToUpperInvariant(parameter.Name![0]) + parameter.Name[1..]);
            Assert.True(property is not null, $"parameter '{parameter.Name}' has no MoCoOptions property");
            Assert.True(parameter.HasDefaultValue, parameter.Name);
            Assert.Equal(property.GetValue(ours), parameter.DefaultValue);
        }
    }
}
