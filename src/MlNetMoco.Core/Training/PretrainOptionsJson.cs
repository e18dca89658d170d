using System.Text.Json;
using System.Text.Json.Serialization;

namespace MlNetMoco.Core.Training;

/// <summary>JSON form of <see cref="PretrainOptions"/> (enums as names), used in checkpoints and model metadata.</summary>
public static class PretrainOptionsJson
{
    private static readonly JsonSerializerOptions Settings = new() { Converters = { new JsonStringEnumConverter() } };

    /// <summary>Options that may differ between a checkpoint and the run resuming from it.</summary>
    public static readonly IReadOnlySet<string> ResumableDifferences = new HashSet<string>
    {
        nameof(PretrainOptions.ResumeFrom), nameof(PretrainOptions.CheckpointDirectory),
        nameof(PretrainOptions.CheckpointEveryEpochs), nameof(PretrainOptions.Device), nameof(PretrainOptions.Epochs),
    };

    /// <summary>Serialises <paramref name="options"/>.</summary>
    public static string Serialize(PretrainOptions options) => JsonSerializer.Serialize(options, Settings);

    /// <summary>Deserialises options written by <see cref="Serialize"/>.</summary>
    public static PretrainOptions Deserialize(string json) =>
        JsonSerializer.Deserialize<PretrainOptions>(json, Settings) ?? throw new InvalidDataException("Empty options JSON.");

    /// <summary>Names of the settings whose values differ between two option sets, except <see cref="ResumableDifferences"/>.</summary>
    public static IReadOnlyList<string> Differences(PretrainOptions saved, PretrainOptions current)
    {
        var a = JsonSerializer.SerializeToElement(saved, Settings);
        var b = JsonSerializer.SerializeToElement(current, Settings);
        return a.EnumerateObject()
            .Where(p => !ResumableDifferences.Contains(p.Name) && p.Value.GetRawText() != b.GetProperty(p.Name).GetRawText())
            .Select(p => $"{p.Name} (checkpoint {p.Value.GetRawText()}, now {b.GetProperty(p.Name).GetRawText()})")
            .ToList();
    }
}
