using MlNetMoco.Core.Backbones;

namespace MlNetMoco.Core.Interop;

/// <summary>
/// The encoder weights read by <see cref="StateDictImport.Read"/>: the encoder's tensors with their prefix removed
/// (torchvision names, <c>fc.*</c> for the head), the detected architecture, and where they came from. Owns its tensors.
/// </summary>
public sealed class ImportedWeights : IDisposable
{
    internal ImportedWeights(string path, WeightFileFormat format, StateDictLayout layout, string prefix, TensorSet tensors,
        DetectedArchitecture architecture, IReadOnlyList<string> ignored)
    {
        Path = path;
        Format = format;
        Layout = layout;
        Prefix = prefix;
        Tensors = tensors;
        Architecture = architecture;
        Ignored = ignored;
    }

    /// <summary>The file read.</summary>
    public string Path { get; }

    /// <summary>Its container format.</summary>
    public WeightFileFormat Format { get; }

    /// <summary>How the encoder was named in the file.</summary>
    public StateDictLayout Layout { get; }

    /// <summary>The prefix removed from the encoder's keys, e.g. <c>module.encoder_q.</c> ("" for bare encoders).</summary>
    public string Prefix { get; }

    /// <summary>
    /// The encoder's tensors (names without <see cref="Prefix"/>) and the file's metadata: safetensors'
    /// <c>__metadata__</c>, or the scalar entries of a PyTorch checkpoint dict such as <c>epoch</c> and <c>arch</c>.
    /// </summary>
    public TensorSet Tensors { get; }

    /// <summary>The architecture read from the tensors' names and shapes.</summary>
    public DetectedArchitecture Architecture { get; }

    /// <summary>The file's other tensors, grouped (e.g. "'module.encoder_k.*' (124 tensors)", "'module.queue'"); not read.</summary>
    public IReadOnlyList<string> Ignored { get; }

    /// <summary>The file and the part imported, for messages, e.g. "The weight file 'a.pth.tar' (encoder under 'module.encoder_q.')".</summary>
    public string Description => $"The weight file '{Path}' (encoder under '{Prefix}')";

    /// <summary>
    /// Checks, without building a network, that the weights are the trunk <paramref name="spec"/> describes (kind, input
    /// channels, and the stem of a ResNet or the patch and image sides of a ViT where the spec sets them;
    /// <see cref="BackboneSpec.BatchNormSplits"/> does not matter): the early check a
    /// trainer makes before reading any data. <see cref="ApplyTo"/> then checks every key and shape.
    /// </summary>
    /// <param name="spec">The configured backbone.</param>
    /// <exception cref="InvalidDataException">The weights are another architecture; the message names both.</exception>
    public void EnsureMatches(BackboneSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var configured = new DetectedArchitecture(spec.Kind, spec.InChannels, spec.SmallImageStem, BackboneFactory.FeatureDimOf(spec), DetectedHead.None)
        {
            PatchSize = spec.PatchSize,
            ImageSize = spec.ImageSize,
        };
        if (!Architecture.SameTrunk(configured))
            throw new InvalidDataException($"{Description} holds a {Architecture.Trunk}, but the configured backbone is a {configured.Trunk}.");
    }

    /// <summary>
    /// Copies the weights into <paramref name="backbone"/> (any device, training or evaluation mode). The trunk is loaded
    /// strictly: the backbone's architecture, and then every trunk name and shape, must match, otherwise an
    /// <see cref="InvalidDataException"/> names the first missing, unexpected or mis-shaped key and nothing is copied.
    /// The head follows <paramref name="head"/>.
    /// </summary>
    /// <param name="backbone">The network to initialise, e.g. built by <see cref="BackboneFactory.Create"/> from <see cref="DetectedArchitecture.ToSpec"/>.</param>
    /// <param name="head">What to do with the file's <c>fc</c> head. Default <see cref="HeadPolicy.Drop"/>.</param>
    /// <returns>What was loaded.</returns>
    public WeightImportReport ApplyTo(Backbone backbone, HeadPolicy head = HeadPolicy.Drop)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        return BackboneWeightLoader.Apply(backbone, this, head);
    }

    /// <summary>Releases the tensors.</summary>
    public void Dispose() => Tensors.Dispose();
}
