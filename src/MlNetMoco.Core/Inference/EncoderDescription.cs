using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Data;
using MlNetMoco.Core.Heads;
using MlNetMoco.Core.Methods;

namespace MlNetMoco.Core.Inference;

/// <summary>
/// Everything needed to rebuild a trained encoder and feed it: the architecture, the projection head, the input
/// image shape and the pixel normalisation, plus free-form <see cref="Metadata"/> (training options, step count, …).
/// Stored as JSON in encoder files (<see cref="TrainedEncoder.Save"/>). Descriptions written by MlNetMoco 0.1
/// (<c>"Head": "V1"</c> or <c>"V2"</c> with a <c>"ProjectionDim"</c>) are read as the head those versions built.
/// </summary>
/// <param name="Backbone">The backbone architecture (its <see cref="BackboneSpec.InChannels"/> must equal the input's channels).</param>
/// <param name="Head">The head in the backbone's <c>fc</c> slot, as blocks (its input width must be the backbone's feature dimension).</param>
/// <param name="InputShape">Shape C×H×W of the images the encoder takes.</param>
/// <param name="Normalization">Per-channel mean/std applied to [0, 1] pixels before the network.</param>
/// <remarks>
/// Equality is by value, including the normalisation's arrays and the metadata's entries (the compiler's record
/// equality would compare them by reference).
/// </remarks>
public sealed record EncoderDescription(
    BackboneSpec Backbone, HeadSpec Head, ImageShape InputShape, ImageNormalization Normalization)
{
    private static readonly IReadOnlyDictionary<string, string> NoMetadata = new Dictionary<string, string>();

    private static readonly JsonSerializerOptions Settings = new()
    {
        Converters = { new JsonStringEnumConverter() },
        WriteIndented = false,
    };

    /// <summary>Free-form string pairs kept with the encoder (e.g. the pretraining options as JSON). Default empty.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = NoMetadata;

    /// <summary>
    /// Per-dimension standardisation applied to the pooled features before they are returned (not to the head's
    /// input): set by MoCo pretraining when <c>StandardizeFeatures</c> is on (the default). Null (files of formats 1
    /// and 2, imported weights) returns the raw pooled features. Default null.
    /// </summary>
    public FeatureStandardization? FeatureStandardization { get; init; }

    /// <summary>Output dimension of the head: the projection dimension (or the number of classes of a classifier).</summary>
    [JsonIgnore]
    public int ProjectionDim => Head.OutputDim;

    /// <summary>
    /// Checks that the description is complete and consistent: backbone and normalisation present, a valid input shape
    /// whose channels match the backbone's, one positive std per channel, and a head that takes the backbone's features.
    /// </summary>
    /// <returns>This description.</returns>
    /// <exception cref="ArgumentException">A value is missing or inconsistent; the message names it.</exception>
    public EncoderDescription Validate()
    {
        if (Backbone is null) throw new ArgumentException("Encoder description: the backbone is missing.");
        if (Normalization is null || Normalization.Mean is null || Normalization.Std is null)
            throw new ArgumentException("Encoder description: the normalisation is missing.");
        if (Head is null) throw new ArgumentException("Encoder description: the head is missing.");
        try
        {
            Head.Validate(BackboneFactory.FeatureDimOf(Backbone));
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"Encoder description: {e.Message}", e);
        }
        InputShape.Validate();
        if (InputShape.Channels != Backbone.InChannels)
            throw new ArgumentException(
                $"Encoder description: the backbone takes {Backbone.InChannels} channel(s) but the input shape is {InputShape}.");
        if (Backbone.IsVisionTransformer)
        {
            try
            {
                if (Backbone.ForImages(InputShape) != Backbone)
                    throw new ArgumentException($"ImageSize = {Backbone.ImageSize}, PatchSize = {Backbone.PatchSize} do not describe a ViT for the input shape {InputShape}.");
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"Encoder description: the backbone's {e.Message}", e);
            }
        }
        Normalization.Validate(InputShape.Channels);
        if (Metadata is null) throw new ArgumentException("Encoder description: the metadata is null (use an empty dictionary).");
        FeatureStandardization?.Validate(BackboneFactory.FeatureDimOf(Backbone));
        return this;
    }

    /// <summary>Serialises the description to JSON (enums as names, floats round-trip exactly).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Settings);

    /// <summary>
    /// Reads a description written by <see cref="ToJson"/>, or by MlNetMoco 0.1 (head named by its MoCo version), and
    /// validates it.
    /// </summary>
    /// <param name="json">The JSON text.</param>
    /// <exception cref="InvalidDataException">The text is not valid JSON for a description, or the description is inconsistent.</exception>
    public static EncoderDescription FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        EncoderDescription? description;
        try
        {
            var node = JsonNode.Parse(json);
            if (node is JsonObject obj && obj["Head"] is JsonValue legacy && legacy.GetValueKind() == JsonValueKind.String)
                UpgradeVersionHead(obj, legacy.GetValue<string>());
            description = node.Deserialize<EncoderDescription>(Settings);
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or ArgumentException or InvalidOperationException)
        {
            throw new InvalidDataException($"The encoder description is not valid JSON: {e.Message}", e);
        }
        if (description is null) throw new InvalidDataException("The encoder description is empty (JSON null).");
        try
        {
            return description.Validate();
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException(e.Message, e);
        }
    }

    /// <summary>
    /// MlNetMoco 0.1 wrote <c>"Head": "V1" | "V2"</c> and <c>"ProjectionDim"</c>: replaces them by the blocks that version
    /// built (v1 one linear layer, v2 Linear–ReLU–Linear with the feature dimension as hidden width).
    /// </summary>
    private static void UpgradeVersionHead(JsonObject obj, string version)
    {
        if (!Enum.TryParse<MoCoVersion>(version, out var parsed) || !Enum.IsDefined(parsed))
            throw new ArgumentException($"head '{version}' is neither a list of layers nor a known MoCo version (V1, V2).");
        var backbone = obj["Backbone"].Deserialize<BackboneSpec>(Settings) ?? throw new ArgumentException("the backbone is missing.");
        int projectionDim = obj["ProjectionDim"]?.GetValue<int>() ?? throw new ArgumentException("a version-named head needs ProjectionDim.");
        var head = HeadSpec.ForVersion(parsed, BackboneFactory.FeatureDimOf(backbone), projectionDim);
        obj["Head"] = JsonSerializer.SerializeToNode(head, Settings);
        obj.Remove("ProjectionDim");
    }

    /// <summary>Value equality: every positional value, the normalisation's means and stds, the feature standardisation and the metadata entries.</summary>
    /// <param name="other">The description to compare with.</param>
    public bool Equals(EncoderDescription? other)
    {
        if (ReferenceEquals(this, other)) return true;
        if (other is null) return false;
        return Equals(Backbone, other.Backbone)
            && Equals(Head, other.Head)
            && InputShape == other.InputShape
            && SameNormalization(Normalization, other.Normalization)
            && Equals(FeatureStandardization, other.FeatureStandardization)
            && SameMetadata(Metadata, other.Metadata);
    }

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Backbone);
        hash.Add(Head);
        hash.Add(InputShape);
        if (Normalization?.Mean is not null) foreach (float m in Normalization.Mean) hash.Add(m);
        if (Normalization?.Std is not null) foreach (float s in Normalization.Std) hash.Add(s);
        hash.Add(Metadata?.Count ?? 0);
        return hash.ToHashCode();
    }

    private static bool SameNormalization(ImageNormalization? a, ImageNormalization? b)
    {
        if (ReferenceEquals(a, b)) return true;
        if (a is null || b is null) return false;
        return (a.Mean ?? []).AsSpan().SequenceEqual(b.Mean ?? []) && (a.Std ?? []).AsSpan().SequenceEqual(b.Std ?? []);
    }

    private static bool SameMetadata(IReadOnlyDictionary<string, string>? a, IReadOnlyDictionary<string, string>? b)
    {
        if (ReferenceEquals(a, b)) return true;
        if (a is null || b is null || a.Count != b.Count) return false;
        foreach (var (key, value) in a)
            if (!b.TryGetValue(key, out var other) || !string.Equals(value, other, StringComparison.Ordinal))
                return false;
        return true;
    }
}
