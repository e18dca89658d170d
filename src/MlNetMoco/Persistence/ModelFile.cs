using System.IO.Compression;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.ML;
using MlNetMoco.Core.Data;
using MlNetMoco.Core.Inference;
using MlNetMoco.Core.Training;
using MlNetMoco.Logging;
using MlNetMoco.Schema;

namespace MlNetMoco.Persistence;

/// <summary>
/// The single-file form of a <see cref="MoCoTransformer"/>: a zip archive with <see cref="ManifestEntry"/> (JSON:
/// format name and version, library version, columns, input shape and scale, architecture, normalisation,
/// training options) and <see cref="EncoderEntry"/> (<see cref="TrainedEncoder.Save"/>'s format).
/// </summary>
internal static class ModelFile
{
    public const string Format = "MlNetMoco.MoCoTransformer";
    public const int FormatVersion = 1;
    public const string ManifestEntry = "mlnetmoco-transformer.json";
    public const string EncoderEntry = "encoder.bin";

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>The version of this library, as written into model files.</summary>
    public static string LibraryVersion { get; } = ReadLibraryVersion();

    public static void Save(string path, MoCoTransformer transformer, TrainedEncoder encoder)
    {
        string full = Path.GetFullPath(path);
        string? directory = Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        string temporary = full + $".{Guid.NewGuid():N}.tmp";
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
                Save(stream, transformer, encoder);
            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    public static void Save(Stream stream, MoCoTransformer transformer, TrainedEncoder encoder)
    {
        var config = transformer.Config;
        var manifest = new Manifest
        {
            Format = Format,
            FormatVersion = FormatVersion,
            LibraryVersion = LibraryVersion,
            InputColumnName = config.InputColumnName,
            InputKind = config.InputKind,
            InputShape = new ShapeDto(config.InputShape.Channels, config.InputShape.Height, config.InputShape.Width),
            InputScale = config.InputScale,
            OutputColumnName = config.OutputColumnName,
            ProjectionColumnName = config.ProjectionColumnName,
            TransformBatchSize = transformer.TransformBatchSize,
            FeatureDimension = encoder.FeatureDim,
            ProjectionDimension = encoder.ProjectionDim,
            Backbone = encoder.Backbone.Kind.ToString(),
            Head = encoder.Description.Head.ToString(),
            NormalizationMean = encoder.Normalization.Mean,
            NormalizationStd = encoder.Normalization.Std,
            TrainingOptions = config.TrainingOptionsJson is null ? null : JsonNode.Parse(config.TrainingOptionsJson),
        };
        using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
        using (var entry = zip.CreateEntry(ManifestEntry, CompressionLevel.Optimal).Open())
            JsonSerializer.Serialize(entry, manifest, Json);
        using (var entry = zip.CreateEntry(EncoderEntry, CompressionLevel.Fastest).Open())
            encoder.Save(entry);
    }

    public static MoCoTransformer Load(Stream stream, MLContext mlContext, string device)
    {
        ZipArchive zip;
        try
        {
            zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException("it is not an MlNetMoco model file (not a zip archive, or a damaged one).", e);
        }

        using (zip)
        {
            var manifestEntry = zip.GetEntry(ManifestEntry);
            if (manifestEntry is null)
            {
                bool mlNetModel = zip.Entries.Any(e => e.FullName.StartsWith("TransformerChain/", StringComparison.Ordinal) ||
                                                      e.FullName.StartsWith("Model/", StringComparison.Ordinal));
                throw new InvalidDataException(mlNetModel
                    ? "it is an ML.NET model file (written by mlContext.Model.Save), not an MlNetMoco model file; load it with mlContext.Model.Load."
                    : $"it is not an MlNetMoco model file (the zip archive has no '{ManifestEntry}' entry).");
            }

            var manifest = ReadManifest(manifestEntry);
            var config = ToConfig(manifest);
            var encoderEntry = zip.GetEntry(EncoderEntry)
                ?? throw new InvalidDataException($"the model file is incomplete: the '{EncoderEntry}' entry is missing.");

            TrainedEncoder encoder;
            try
            {
                using var encoderStream = encoderEntry.Open();
                encoder = TrainedEncoder.Load(encoderStream, device);
            }
            catch (InvalidDataException e)
            {
                throw new InvalidDataException($"the encoder in the model file is corrupt: {e.Message}", e);
            }

            try
            {
                if (encoder.InputShape != config.InputShape || encoder.FeatureDim != manifest.FeatureDimension || encoder.ProjectionDim != manifest.ProjectionDimension)
                    throw new InvalidDataException(
                        $"the model file is inconsistent: its configuration says input {config.InputShape}, {manifest.FeatureDimension} features and " +
                        $"{manifest.ProjectionDimension} projections, its encoder {encoder.InputShape}, {encoder.FeatureDim} and {encoder.ProjectionDim}.");
                return new MoCoTransformer(encoder, config, Array.Empty<TrainingProgress>(), new MoCoLog(mlContext, null));
            }
            catch
            {
                encoder.Dispose();
                throw;
            }
        }
    }

    private static Manifest ReadManifest(ZipArchiveEntry entry)
    {
        JsonNode? node;
        try
        {
            using var s = entry.Open();
            node = JsonNode.Parse(s);
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or DecoderFallbackException)
        {
            throw new InvalidDataException($"the model file's '{ManifestEntry}' is not valid JSON ({e.Message}).", e);
        }
        if (node is not JsonObject obj)
            throw new InvalidDataException($"the model file's '{ManifestEntry}' is not a JSON object.");

        string? format = obj["Format"]?.GetValueKind() == JsonValueKind.String ? obj["Format"]!.GetValue<string>() : null;
        if (format != Format)
            throw new InvalidDataException($"it is not an MlNetMoco transformer file (format '{format ?? "missing"}', expected '{Format}').");
        int? version = obj["FormatVersion"]?.GetValueKind() == JsonValueKind.Number ? obj["FormatVersion"]!.GetValue<int>() : null;
        string writer = obj["LibraryVersion"]?.GetValueKind() == JsonValueKind.String ? obj["LibraryVersion"]!.GetValue<string>() : "an unknown version";
        if (version is null or < 1)
            throw new InvalidDataException($"the model file is corrupt: format version {(version?.ToString() ?? "missing")}.");
        if (version > FormatVersion)
            throw new InvalidDataException(
                $"it was written by MlNetMoco {writer} in format version {version}, and this MlNetMoco ({LibraryVersion}) reads format version {FormatVersion} or older. Upgrade MlNetMoco to load it.");

        Manifest? manifest;
        try
        {
            manifest = obj.Deserialize<Manifest>(Json);
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"the model file's '{ManifestEntry}' is corrupt ({e.Message}).", e);
        }
        return manifest ?? throw new InvalidDataException($"the model file's '{ManifestEntry}' is empty.");
    }

    private static TransformerConfig ToConfig(Manifest m)
    {
        static InvalidDataException Bad(string what) => new($"the model file's configuration is corrupt: {what}.");
        if (string.IsNullOrWhiteSpace(m.InputColumnName)) throw Bad("the input column name is missing");
        if (string.IsNullOrWhiteSpace(m.OutputColumnName)) throw Bad("the output column name is missing");
        if (m.InputShape is not { } s || s.Channels <= 0 || s.Height <= 0 || s.Width <= 0) throw Bad("the input shape is missing or not positive");
        if (!Enum.IsDefined(m.InputKind)) throw Bad($"unknown input kind {m.InputKind}");
        if (!(m.InputScale > 0) || !float.IsFinite(m.InputScale)) throw Bad($"input scale {m.InputScale}");
        if (m.TransformBatchSize < 1) throw Bad($"transform batch size {m.TransformBatchSize}");
        return new TransformerConfig(m.InputColumnName, m.InputKind, new ImageShape(s.Channels, s.Height, s.Width), m.InputScale,
            m.OutputColumnName, m.ProjectionColumnName, m.TransformBatchSize, m.TrainingOptions?.ToJsonString());
    }

    private static string ReadLibraryVersion()
    {
        var assembly = typeof(ModelFile).Assembly;
        string? informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        if (!string.IsNullOrEmpty(informational))
        {
            int plus = informational.IndexOf('+');
            return plus >= 0 ? informational[..plus] : informational;
        }
        return assembly.GetName().Version?.ToString() ?? "0.0.0";
    }

    /// <summary>C×H×W of the input images.</summary>
    internal sealed record ShapeDto(int Channels, int Height, int Width);

    /// <summary>The JSON configuration of a model file.</summary>
    internal sealed class Manifest
    {
        public string Format { get; set; } = "";
        public int FormatVersion { get; set; }
        public string LibraryVersion { get; set; } = "";
        public string InputColumnName { get; set; } = "";
        public InputKind InputKind { get; set; }
        public ShapeDto? InputShape { get; set; }
        public float InputScale { get; set; }
        public string OutputColumnName { get; set; } = "";
        public string? ProjectionColumnName { get; set; }
        public int TransformBatchSize { get; set; }
        public int FeatureDimension { get; set; }
        public int ProjectionDimension { get; set; }
        public string Backbone { get; set; } = "";
        public string Head { get; set; } = "";
        public float[] NormalizationMean { get; set; } = Array.Empty<float>();
        public float[] NormalizationStd { get; set; } = Array.Empty<float>();
        public JsonNode? TrainingOptions { get; set; }
    }
}
