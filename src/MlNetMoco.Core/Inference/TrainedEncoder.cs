using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Checkpoints;
using MlNetMoco.Core.Data;
using MlNetMoco.Core.Devices;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Inference;

/// <summary>
/// A pretrained encoder ready for feature extraction: the backbone with its projection head in <c>fc</c>, its
/// <see cref="EncoderDescription"/> and the device it runs on. The network is kept in evaluation mode (BatchNorm uses
/// its running statistics), so the features of an image do not depend on the other images of the call (see
/// <see cref="Extract"/>).
/// </summary>
/// <remarks>
/// <see cref="Extract"/> is thread-safe (calls are serialised). The encoder owns its network and releases it in
/// <see cref="Dispose"/>.
/// </remarks>
public sealed partial class TrainedEncoder : IDisposable
{
    /// <summary>The format version <see cref="Save"/> writes and <see cref="Load(Stream, string)"/> reads.</summary>
    public const int FormatVersion = EncoderFile.FormatVersion;

    private readonly object _gate = new();
    private readonly Backbone _network;
    private readonly Tensor _mean;
    private readonly Tensor _std;
    private readonly Tensor? _featureMean;
    private readonly Tensor? _featureStd;
    private bool _disposed;

    /// <summary>
    /// Wraps <paramref name="network"/> (backbone with its projection head in <c>fc</c>), taking ownership: it is moved
    /// to <paramref name="device"/>, put in evaluation mode and disposed with this encoder.
    /// </summary>
    /// <param name="network">The network; its feature dimension must match <paramref name="description"/>'s backbone.</param>
    /// <param name="description">What the network is and how its inputs are prepared (validated).</param>
    /// <param name="device">The device to run on.</param>
    /// <exception cref="ArgumentException">The description is inconsistent or does not match the network.</exception>
    public TrainedEncoder(Backbone network, EncoderDescription description, Device device)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(description);
        ArgumentNullException.ThrowIfNull(device);
        description.Validate();
        int expectedDim = BackboneFactory.FeatureDimOf(description.Backbone);
        if (network.FeatureDim != expectedDim)
            throw new ArgumentException(
                $"The network has {network.FeatureDim} features but a {description.Backbone.Kind} backbone has {expectedDim}.", nameof(network));
        if (network.InChannels != description.InputShape.Channels)
            throw new ArgumentException(
                $"The network takes {network.InChannels} channel(s) but the description's input shape is {description.InputShape}.", nameof(network));

        Description = description;
        Device = device;
        network.to(device);
        network.eval();
        _network = network;
        int c = description.InputShape.Channels;
        // Kept for the encoder's lifetime, even when it is built inside a caller's dispose scope.
        using (var mean = tensor(description.Normalization.Mean, new long[] { 1, c, 1, 1 }))
            _mean = mean.to(device, copy: true).DetachFromDisposeScope();
        using (var std = tensor(description.Normalization.Std, new long[] { 1, c, 1, 1 }))
            _std = std.to(device, copy: true).DetachFromDisposeScope();
        if (description.FeatureStandardization is { } standardization)
        {
            using (var mean = tensor(standardization.Mean, new long[] { 1, standardization.Dim }))
                _featureMean = mean.to(device, copy: true).DetachFromDisposeScope();
            using (var std = tensor(standardization.Std, new long[] { 1, standardization.Dim }))
                _featureStd = std.to(device, copy: true).DetachFromDisposeScope();
        }
    }

    /// <summary>What this encoder is: architecture, head, input shape, normalisation and metadata.</summary>
    public EncoderDescription Description { get; }

    /// <summary>
    /// The most images <see cref="Extract"/> runs through the network in one forward pass (64): larger calls are
    /// split, since a forward pass's activations grow with the batch and past a few dozen images they leave the CPU's
    /// caches (the #12 benchmark measured 993 rows/s in one pass of 512 against 7,446 in passes of 64).
    /// </summary>
    public const int MaxImagesPerForward = 64;

    /// <summary>Shape C×H×W of the images <see cref="Extract"/> takes.</summary>
    public ImageShape InputShape => Description.InputShape;

    /// <summary>Per-channel normalisation applied to the [0, 1] pixels by <see cref="Extract"/>.</summary>
    public ImageNormalization Normalization => Description.Normalization;

    /// <summary>
    /// The per-dimension standardisation <see cref="Extract"/> applies to the pooled features, or null for raw features.
    /// </summary>
    public FeatureStandardization? FeatureStandardization => Description.FeatureStandardization;

    /// <summary>Dimension of the pooled backbone features (e.g. 512 for ResNet-18).</summary>
    public int FeatureDim => _network.FeatureDim;

    /// <summary>Output dimension of the projection head.</summary>
    public int ProjectionDim => Description.ProjectionDim;

    /// <summary>The backbone architecture.</summary>
    public BackboneSpec Backbone => Description.Backbone;

    /// <summary>The device the network runs on.</summary>
    public Device Device { get; }

    /// <summary>
    /// The network itself (backbone, with the projection head as <c>fc</c>), in evaluation mode on <see cref="Device"/>.
    /// Owned by this encoder; changing it (training mode, weights) affects <see cref="Extract"/>.
    /// </summary>
    public Backbone Network => _network;

    /// <summary>
    /// A freshly initialised encoder (torch's global generator) for <paramref name="description"/>. BatchNorm layers
    /// have one split (BatchNorm2d's behaviour) whatever <see cref="BackboneSpec.BatchNormSplits"/> says, since splits
    /// only matter in training mode and do not change parameter names; the stored description has BatchNormSplits = 1.
    /// </summary>
    /// <param name="description">The encoder to build.</param>
    /// <param name="device">Device request: "auto", "cpu", "cuda" or "cuda:N".</param>
    public static TrainedEncoder Create(EncoderDescription description, string device = DeviceSelector.Auto) =>
        Create(description, DeviceSelector.Resolve(device));

    /// <summary>As <see cref="Create(EncoderDescription, string)"/>, on an already resolved device.</summary>
    /// <param name="description">The encoder to build.</param>
    /// <param name="device">The device to run on.</param>
    public static TrainedEncoder Create(EncoderDescription description, Device device)
    {
        ArgumentNullException.ThrowIfNull(description);
        ArgumentNullException.ThrowIfNull(device);
        description.Validate();
        var plain = description with { Backbone = description.Backbone with { BatchNormSplits = 1 } };
        int featureDim = BackboneFactory.FeatureDimOf(plain.Backbone);
        var network = BackboneFactory.Create(plain.Backbone, plain.Head.Validate(featureDim).Build());
        try
        {
            return new TrainedEncoder(network, plain, device);
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    /// <summary>
    /// An encoder holding a copy of <paramref name="source"/>'s weights and BatchNorm statistics (e.g. the trainer's
    /// query encoder, on its training device, in training mode, possibly with SplitBatchNorm2d layers). The copy is a
    /// fresh plain-BatchNorm network on <paramref name="device"/> in evaluation mode; <paramref name="source"/> is
    /// neither changed nor referenced afterwards, so its owner may dispose it.
    /// </summary>
    /// <param name="source">The trained network (backbone with the projection head in <c>fc</c>).</param>
    /// <param name="description">What the network is; its BatchNormSplits is set to 1.</param>
    /// <param name="device">The device of the copy.</param>
    /// <exception cref="ArgumentException">The source's parameters and buffers do not match the description's network by name and shape.</exception>
    public static TrainedEncoder FromNetwork(Backbone source, EncoderDescription description, Device device)
    {
        ArgumentNullException.ThrowIfNull(source);
        var encoder = Create(description, device);
        try
        {
            var given = source.state_dict().Select(p => (p.Key, p.Value)).ToList();
            string? problem = StateDictMatch.TryCopyAll(encoder._network.state_dict(), given, "the described network");
            if (problem is not null) throw new ArgumentException($"The network {problem}.", nameof(source));
            return encoder;
        }
        catch
        {
            encoder.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A new encoder with this one's weights (copied) on the same device whose features are standardised with
    /// <paramref name="standardization"/> (null: raw pooled features). This encoder is not changed.
    /// </summary>
    /// <param name="standardization">Per-dimension mean and std of the features, or null.</param>
    /// <exception cref="ArgumentException">The statistics do not have <see cref="FeatureDim"/> valid values.</exception>
    /// <exception cref="ObjectDisposedException">The encoder was disposed.</exception>
    public TrainedEncoder WithFeatureStandardization(FeatureStandardization? standardization)
    {
        standardization?.Validate(FeatureDim);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return FromNetwork(_network, Description with { FeatureStandardization = standardization }, Device);
        }
    }

    /// <summary>
    /// Writes the encoder to <paramref name="stream"/>: the 13 ASCII bytes <c>MLNETMOCO-ENC</c>, the int32
    /// <see cref="FormatVersion"/>, the int32 length and UTF-8 JSON of the <see cref="Description"/>, then every
    /// parameter and buffer of the network as a <see cref="TensorArchive"/> (little-endian). The stream is left open.
    /// </summary>
    /// <param name="stream">A writable stream.</param>
    public void Save(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            EncoderFile.Write(stream, Description, _network);
        }
    }

    /// <summary>
    /// Reads an encoder written by <see cref="Save"/> onto <paramref name="device"/>. The stream is left open, just
    /// after the encoder's bytes.
    /// </summary>
    /// <param name="stream">A readable stream positioned at the start of the encoder.</param>
    /// <param name="device">Device request: "auto", "cpu", "cuda" or "cuda:N".</param>
    /// <exception cref="InvalidDataException">
    /// The data is not an MlNetMoco encoder, has an unsupported format version, is truncated or corrupt, or its tensors
    /// do not match the described network (the first mismatching name is given).
    /// </exception>
    public static TrainedEncoder Load(Stream stream, string device = DeviceSelector.Auto) =>
        Load(stream, DeviceSelector.Resolve(device));

    /// <summary>As <see cref="Load(Stream, string)"/>, on an already resolved device.</summary>
    /// <param name="stream">A readable stream positioned at the start of the encoder.</param>
    /// <param name="device">The device to run on.</param>
    public static TrainedEncoder Load(Stream stream, Device device)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(device);
        return EncoderFile.Read(stream, device);
    }

    /// <summary>Releases the network and the normalisation and standardisation tensors. Later calls to <see cref="Extract"/> throw.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            _network.Dispose();
            _mean.Dispose();
            _std.Dispose();
            _featureMean?.Dispose();
            _featureStd?.Dispose();
        }
    }
}
