using System.Text.Json;
using System.Text.Json.Serialization;

namespace MlNetMoco.Core.Training;

/// <summary>
/// JSON form of <see cref="TrainingOptions"/> (enums as names, the method tagged with its "Kind"), used in
/// checkpoints and model metadata.
/// </summary>
public static class TrainingOptionsJson
{
    private static readonly JsonSerializerOptions Settings = new() { Converters = { new JsonStringEnumConverter() } };

    /// <summary>Settings that may differ between a checkpoint and the run resuming from it.</summary>
    public static readonly IReadOnlySet<string> ResumableDifferences = new HashSet<string>
    {
        nameof(TrainingOptions.ResumeFrom), nameof(TrainingOptions.CheckpointDirectory),
        nameof(TrainingOptions.CheckpointEveryEpochs), nameof(TrainingOptions.Device), nameof(TrainingOptions.Epochs),
    };

    /// <summary>Serialises <paramref name="options"/>.</summary>
    /// <param name="options">The options.</param>
    public static string Serialize(TrainingOptions options) => JsonSerializer.Serialize(options, Settings);

    /// <summary>Deserialises options written by <see cref="Serialize"/>.</summary>
    /// <param name="json">The JSON text.</param>
    /// <exception cref="InvalidDataException">The text is not valid JSON for training options.</exception>
    public static TrainingOptions Deserialize(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<TrainingOptions>(json, Settings) ?? throw new InvalidDataException("Empty options JSON.");
        }
        catch (Exception e) when (e is JsonException or NotSupportedException)
        {
            throw new InvalidDataException($"The training options are not valid JSON: {e.Message}", e);
        }
    }

    /// <summary>
    /// The settings whose values differ between two option sets, as dotted paths ("Method.QueueSize (checkpoint 64,
    /// now 32)"), except <see cref="ResumableDifferences"/>.
    /// </summary>
    /// <param name="saved">The options of a checkpoint.</param>
    /// <param name="current">The options of this run.</param>
    public static IReadOnlyList<string> Differences(TrainingOptions saved, TrainingOptions current)
    {
        var a = Flatten(JsonSerializer.SerializeToElement(saved, Settings));
        var b = Flatten(JsonSerializer.SerializeToElement(current, Settings));
        return a.Keys.Union(b.Keys)
            .Where(path => !ResumableDifferences.Contains(path) && a.GetValueOrDefault(path) != b.GetValueOrDefault(path))
            .Select(path => $"{path} (checkpoint {a.GetValueOrDefault(path) ?? "absent"}, now {b.GetValueOrDefault(path) ?? "absent"})")
            .ToList();
    }

    private static Dictionary<string, string> Flatten(JsonElement element)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        void Walk(JsonElement e, string path)
        {
            if (e.ValueKind == JsonValueKind.Object)
                foreach (var p in e.EnumerateObject()) Walk(p.Value, path.Length == 0 ? p.Name : $"{path}.{p.Name}");
            else
                values[path] = e.GetRawText();
        }
        Walk(element, "");
        return values;
    }
}
