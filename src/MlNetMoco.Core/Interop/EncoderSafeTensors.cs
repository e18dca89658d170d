using System.Globalization;
using MlNetMoco.Core.Checkpoints;
using MlNetMoco.Core.Devices;
using MlNetMoco.Core.Inference;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Interop;

/// <summary>
/// Trained encoders as safetensors files that PyTorch reads: every parameter and buffer of the network under its
/// torchvision name (<c>conv1.weight</c>, …, <c>fc.*</c> for the projection head), so
/// <c>torchvision.models.resnet50().load_state_dict(safetensors.torch.load_file(path), strict=False)</c> takes the
/// trunk as it is. The <see cref="EncoderDescription"/> (architecture, head, input shape, normalisation, metadata) is
/// stored as JSON in the header's <c>__metadata__</c> under <see cref="DescriptionKey"/>, so the file alone rebuilds the
/// encoder here.
/// </summary>
public static class EncoderSafeTensors
{
    /// <summary>Metadata key of the encoder description JSON.</summary>
    public const string DescriptionKey = "mlnetmoco.encoder";

    /// <summary>Metadata key of the format version (<see cref="FormatVersion"/>).</summary>
    public const string VersionKey = "mlnetmoco.encoder_format_version";

    /// <summary>Metadata key of the architecture name, e.g. "ResNet50" (informative).</summary>
    public const string ArchitectureKey = "mlnetmoco.architecture";

    /// <summary>
    /// The version of the metadata layout written: 2 (the description may hold a feature standardisation, which
    /// readers of version 1 would ignore); files of version 1 are still read.
    /// </summary>
    public const int FormatVersion = 2;

    /// <summary>Writes <paramref name="encoder"/> to <paramref name="path"/> (temporary file renamed into place).</summary>
    /// <param name="encoder">The encoder.</param>
    /// <param name="path">Destination, usually <c>*.safetensors</c>.</param>
    public static void Save(TrainedEncoder encoder, string path)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        var tensors = encoder.Network.state_dict().Select(kv => (kv.Key, kv.Value)).ToList();
        var metadata = new Dictionary<string, string>
        {
            ["format"] = "pt",
            [DescriptionKey] = encoder.Description.ToJson(),
            [VersionKey] = FormatVersion.ToString(CultureInfo.InvariantCulture),
            [ArchitectureKey] = encoder.Backbone.Kind.ToString(),
        };
        SafeTensors.Write(path, tensors, metadata);
    }

    /// <summary>Reads an encoder written by <see cref="Save"/>.</summary>
    /// <param name="path">The safetensors file.</param>
    /// <param name="device">Device request: "auto", "cpu", "cuda" or "cuda:N". Default "auto".</param>
    /// <exception cref="InvalidDataException">
    /// The file is corrupt, lacks the description (a plain weight file: use <see cref="PretrainedEncoder.Create"/>), has a
    /// newer format version, or its tensors do not match the description (the first mismatching name is given).
    /// </exception>
    public static TrainedEncoder Load(string path, string device = DeviceSelector.Auto) => Load(path, DeviceSelector.Resolve(device));

    /// <summary>As <see cref="Load(string, string)"/>, on a resolved device.</summary>
    /// <param name="path">The safetensors file.</param>
    /// <param name="device">The device to run on.</param>
    public static TrainedEncoder Load(string path, Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        using var set = SafeTensors.Read(path);
        string source = $"The safetensors file '{path}'";
        if (!set.Metadata.TryGetValue(DescriptionKey, out var json))
            throw new InvalidDataException(
                $"{source} has no MlNetMoco encoder description ('{DescriptionKey}' in its metadata); to use plain weights, call PretrainedEncoder.Create with the input shape and normalisation.");
        if (set.Metadata.TryGetValue(VersionKey, out var text) && (!int.TryParse(text, CultureInfo.InvariantCulture, out int version) || version > FormatVersion))
            throw new InvalidDataException($"{source} has encoder format version '{text}'; this library reads version {FormatVersion}.");
        EncoderDescription description;
        try
        {
            description = EncoderDescription.FromJson(json);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{source}: {e.Message}", e);
        }
        var encoder = TrainedEncoder.Create(description, device);
        try
        {
            string? problem = StateDictMatch.TryCopyAll(encoder.Network.state_dict(), set.Tensors, $"a {description.Backbone.Kind} encoder with a {description.Head} head");
            if (problem is not null) throw new InvalidDataException($"{source} {problem}.");
            return encoder;
        }
        catch
        {
            encoder.Dispose();
            throw;
        }
    }
}
