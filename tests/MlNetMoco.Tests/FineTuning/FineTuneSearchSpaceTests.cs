using System.Reflection;
using Microsoft.ML.SearchSpace;
using MlNetMoco.FineTuning;

namespace MlNetMoco.Tests.FineTuning;

/// <summary>
/// Every tunable numeric or boolean setting of <see cref="FineTuneMoCoOptions"/> carries a search-space attribute
/// whose range (or choices) contains the setting's default, so AutoML sweeps start from the documented defaults.
/// </summary>
public class FineTuneSearchSpaceTests
{
    /// <summary>Numeric or boolean settings that are not hyperparameters: shapes, scale, seed, early stopping, checkpoints.</summary>
    private static readonly HashSet<string> NotTunable =
    [
        nameof(FineTuneMoCoOptions.ImageHeight), nameof(FineTuneMoCoOptions.ImageWidth), nameof(FineTuneMoCoOptions.ImageChannels),
        nameof(FineTuneMoCoOptions.InputScale), nameof(FineTuneMoCoOptions.SmallImageStem), nameof(FineTuneMoCoOptions.Seed),
        nameof(FineTuneMoCoOptions.ValidationFraction), nameof(FineTuneMoCoOptions.EarlyStoppingPatience),
        nameof(FineTuneMoCoOptions.CheckpointEveryEpochs),
    ];

    private static IEnumerable<PropertyInfo> NumericOrBoolean() =>
        typeof(FineTuneMoCoOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite && (p.PropertyType == typeof(int) || p.PropertyType == typeof(double) || p.PropertyType == typeof(float) || p.PropertyType == typeof(bool)));

    private static bool HasSearchAttribute(PropertyInfo p) =>
        p.IsDefined(typeof(RangeAttribute)) || p.IsDefined(typeof(ChoiceAttribute)) || p.IsDefined(typeof(BooleanChoiceAttribute));

    [Fact]
    public void Every_tunable_numeric_or_boolean_setting_has_a_search_space_attribute()
    {
        var missing = NumericOrBoolean().Where(p => !NotTunable.Contains(p.Name) && !HasSearchAttribute(p)).Select(p => p.Name).ToList();
        Assert.True(missing.Count == 0, $"Settings without [Range]/[Choice]/[BooleanChoice]: {string.Join(", ", missing)}");
        // The exclusion list names real settings (a renamed property would otherwise escape the check).
        Assert.All(NotTunable, name => Assert.NotNull(typeof(FineTuneMoCoOptions).GetProperty(name)));
        // The hyperparameters the trainer is tuned by are among them.
        var tagged = NumericOrBoolean().Where(HasSearchAttribute).Select(p => p.Name).ToHashSet();
        Assert.Superset(new HashSet<string>
        {
            nameof(FineTuneMoCoOptions.Epochs), nameof(FineTuneMoCoOptions.BatchSize), nameof(FineTuneMoCoOptions.LearningRate),
            nameof(FineTuneMoCoOptions.BackboneLearningRateScale), nameof(FineTuneMoCoOptions.WeightDecay),
            nameof(FineTuneMoCoOptions.FreezeBatchNorm), nameof(FineTuneMoCoOptions.CropScaleMin), nameof(FineTuneMoCoOptions.HorizontalFlip),
        }, tagged);
    }

    [Fact]
    public void Every_range_is_ordered_and_contains_the_default_and_its_declared_initial_value()
    {
        var defaults = new FineTuneMoCoOptions();
        foreach (var p in NumericOrBoolean())
        {
            object value = p.GetValue(defaults)!;
            foreach (var a in p.GetCustomAttributesData())
            {
                var args = a.ConstructorArguments.Select(c => c.Value).ToArray();
                if (a.AttributeType == typeof(RangeAttribute))
                {
                    double min = Convert.ToDouble(args[0]), max = Convert.ToDouble(args[1]), v = Convert.ToDouble(value);
                    Assert.True(min < max, $"{p.Name}: range [{min}, {max}]");
                    Assert.True(min <= v && v <= max, $"{p.Name} = {v} outside its range [{min}, {max}]");
                    Assert.Equal(p.PropertyType, args[0]!.GetType());
                    if (args.Length == 4) Assert.Equal(v, Convert.ToDouble(args[2]));
                    if (args[^1] is true) Assert.True(min > 0, $"{p.Name}: a log-scale range must be positive");
                }
                else if (a.AttributeType == typeof(ChoiceAttribute))
                {
                    var choices = ((IReadOnlyCollection<CustomAttributeTypedArgument>)args[0]!).Select(c => c.Value).ToList();
                    Assert.Contains(value, choices);
                    if (args.Length == 2) Assert.Equal(value, args[1]);
                }
                else if (a.AttributeType == typeof(BooleanChoiceAttribute) && args.Length == 1)
                {
                    Assert.Equal(value, args[0]);
                }
            }
        }
    }
}
