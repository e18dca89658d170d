using System.Text.Json;
using System.Text.Json.Serialization;
using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Data;
using MlNetMoco.Core.Heads;
using MlNetMoco.Core.Inference;
using MlNetMoco.Core.Methods;

namespace MlNetMoco.Core.Checkpoints;

/// <summary>
/// Reads what is needed from a format-1 checkpoint (MlNetMoco 0.1, MoCo only): the query encoder's description, from
/// the header's input shape and normalisation and from its options JSON (<c>Version</c>, <c>Backbone</c>,
/// <c>ProjectionDim</c>); its tensors are the model's <c>encoder_q.*</c>.
/// </summary>
internal static class LegacyCheckpoint
{
    private static readonly JsonSerializerOptions Settings = new() { Converters = { new JsonStringEnumConverter() } };

    /// <summary>The query encoder's description and tensor prefix, from a format-1 header.</summary>
    public static (EncoderDescription Description, string Prefix) Encoder(string headerJson, string path)
    {
        try
        {
            var header = JsonSerializer.Deserialize<Header>(headerJson, Settings) ?? throw new JsonException("empty header");
            var options = JsonSerializer.Deserialize<Options>(header.OptionsJson, Settings) ?? throw new JsonException("empty options");
            var backbone = options.Backbone with { BatchNormSplits = 1 };
            var head = HeadSpec.ForVersion(options.Version, BackboneFactory.FeatureDimOf(backbone), options.ProjectionDim);
            var description = new EncoderDescription(backbone, head, header.InputShape, header.Normalization)
            {
                Metadata = new Dictionary<string, string> { ["method"] = header.Method, ["pretrainOptions"] = header.OptionsJson },
            };
            return (description.Validate(), "encoder_q.");
        }
        catch (Exception e) when (e is JsonException or ArgumentException or NotSupportedException)
        {
            throw new InvalidDataException($"Checkpoint '{path}' (format 1) has a header this version cannot read: {e.Message}", e);
        }
    }

    private sealed record Header(string Method, string OptionsJson, ImageShape InputShape, ImageNormalization Normalization);

    private sealed record Options(MoCoVersion Version, BackboneSpec Backbone, int ProjectionDim);
}
