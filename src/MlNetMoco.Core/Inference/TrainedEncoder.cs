using System.Runtime.InteropServices;
using System.Text;
using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Data;
using MlNetMoco.Core.Devices;
using MlNetMoco.Core.Heads;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Inference;

/// <summary>
/// A pretrained encoder ready for feature extraction: the backbone with its projection head in <c>fc</c>, its
/// <see cref="EncoderDescription"/> and the device it runs on. The network is kept in evaluation mode (BatchNorm uses
/// its running statistics), so the features of an image do not depend on the other images of the call.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="Extract"/> is thread-safe (calls are serialised). The encoder owns its network and releases it in
/// <see cref="Dispose"/>.
/// </para>
/// <para>
/// File format (<see cref="Save"/>, version 1, little-endian): the 13 ASCII bytes <c>MLNETMOCO-ENC</c>; an int32
/// format version; an int32 byte length and the UTF-8 JSON of the <see cref="EncoderDescription"/>; an int32 tensor
/// count; then per tensor of the network's state (every parameter and buffer): its name (a .NET
/// <see cref="BinaryWriter"/> string: 7-bit-encoded length and UTF-8), an int32 element type (1 = float32,
/// 2 = int64, 3 = float64), an int32 rank, the int64 dimensions and the raw element data, row-major.
/// </para>
/// </remarks>
public sealed class TrainedEncoder : IDisposable
{
    /// <summary>The format version <see cref="Save"/> writes and <see cref="Load(Stream, string)"/> reads.</summary>
    public const int FormatVersion = 1;

    private const int ElementFloat32 = 1;
    private const int ElementInt64 = 2;
    private const int ElementFloat64 = 3;
    private const int MaxDescriptionBytes = 64 << 20;

    private static readonly byte[] Magic = "MLNETMOCO-ENC"u8.ToArray();

    private readonly object _gate = new();
    private readonly Backbone _network;
    private readonly Tensor _mean;
    private readonly Tensor _std;
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
    }

    /// <summary>What this encoder is: architecture, head, input shape, normalisation and metadata.</summary>
    public EncoderDescription Description { get; }

    /// <summary>Shape C×H×W of the images <see cref="Extract"/> takes.</summary>
    public ImageShape InputShape => Description.InputShape;

    /// <summary>Per-channel normalisation applied to the [0, 1] pixels by <see cref="Extract"/>.</summary>
    public ImageNormalization Normalization => Description.Normalization;

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
    /// are plain BatchNorm2d whatever <see cref="BackboneSpec.BatchNormSplits"/> says, since SplitBatchNorm only differs
    /// in training mode and has the same parameter names; the stored description has BatchNormSplits = 1.
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
        var network = BackboneFactory.Create(plain.Backbone, ProjectionHeads.For(plain.Head, featureDim, plain.ProjectionDim));
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
            var target = encoder._network.state_dict();
            var given = source.state_dict();
            string? problem = CompareStates(target, given.Select(p => (p.Key, p.Value.shape)));
            if (problem is not null)
                throw new ArgumentException($"The network does not match the description: {problem}", nameof(source));
            using var noGrad = no_grad();
            foreach (var (name, tensor) in given)
                target[name].copy_(tensor.detach());
            return encoder;
        }
        catch
        {
            encoder.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Encodes <paramref name="count"/> images in one forward pass (the caller chooses the batch size): normalises them
    /// with (x − mean)/std, runs the network in evaluation mode without gradients on <see cref="Device"/> and writes
    /// the pooled features and, when <paramref name="projections"/> is not empty, the projection head's output.
    /// </summary>
    /// <param name="pixelsIn01">The images one after another, C×H×W each, values in [0, 1]; at least count·<see cref="ImageShape.Size"/> values (the first ones are read).</param>
    /// <param name="count">Number of images (0 does nothing).</param>
    /// <param name="features">Receives count×<see cref="FeatureDim"/> values, row-major (at least that many).</param>
    /// <param name="projections">Empty, or receives count×<see cref="ProjectionDim"/> values, row-major.</param>
    /// <exception cref="ArgumentException">A span is too small or <paramref name="count"/> is negative.</exception>
    /// <exception cref="ObjectDisposedException">The encoder was disposed.</exception>
    public void Extract(ReadOnlySpan<float> pixelsIn01, int count, Span<float> features, Span<float> projections = default)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, "The number of images cannot be negative.");
        var shape = InputShape;
        long inputLength = (long)count * shape.Size;
        if (pixelsIn01.Length < inputLength)
            throw new ArgumentException($"{count} image(s) of shape {shape} need {inputLength} values, got {pixelsIn01.Length}.", nameof(pixelsIn01));
        long featureLength = (long)count * FeatureDim;
        if (features.Length < featureLength)
            throw new ArgumentException($"{count} image(s) give {featureLength} feature values, the destination holds {features.Length}.", nameof(features));
        long projectionLength = (long)count * ProjectionDim;
        bool wantProjections = !projections.IsEmpty;
        if (wantProjections && projections.Length < projectionLength)
            throw new ArgumentException($"{count} image(s) give {projectionLength} projection values, the destination holds {projections.Length}.", nameof(projections));
        if (count == 0) return;

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            _network.eval();
            var cpu = empty(new long[] { count, shape.Channels, shape.Height, shape.Width }, ScalarType.Float32);
            MemoryMarshal.AsBytes(pixelsIn01[..(int)inputLength]).CopyTo(cpu.bytes);
            var x = cpu.to(Device).sub(_mean).div_(_std);
            var pooled = _network.Features(x);
            CopyOut(pooled, features[..(int)featureLength]);
            if (wantProjections)
                CopyOut(_network.Head.call(pooled), projections[..(int)projectionLength]);
        }
    }

    /// <summary>
    /// Writes the encoder (description and every parameter and buffer of the network) to <paramref name="stream"/>
    /// in the format described in the class remarks. The stream is left open.
    /// </summary>
    /// <param name="stream">A writable stream.</param>
    public void Save(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            writer.Write(Magic);
            writer.Write(FormatVersion);
            byte[] json = Encoding.UTF8.GetBytes(Description.ToJson());
            writer.Write(json.Length);
            writer.Write(json);
            var state = _network.state_dict();
            writer.Write(state.Count);
            foreach (var (name, value) in state)
            {
                using var cpu = value.detach().cpu().contiguous();
                writer.Write(name);
                writer.Write(ElementCode(cpu.dtype, name));
                writer.Write((int)cpu.ndim);
                foreach (long d in cpu.shape) writer.Write(d);
                writer.Write(cpu.bytes);
            }
            writer.Flush();
        }
    }

    /// <summary>Reads an encoder written by <see cref="Save"/> onto <paramref name="device"/>. The stream is left open.</summary>
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
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        EncoderDescription description;
        try
        {
            var magic = new byte[Magic.Length];
            if (ReadAtMost(reader, magic) != magic.Length || !magic.AsSpan().SequenceEqual(Magic))
                throw new InvalidDataException("The data is not an MlNetMoco encoder file (the 'MLNETMOCO-ENC' header is missing).");
            int version = reader.ReadInt32();
            if (version != FormatVersion)
                throw new InvalidDataException($"Unsupported MlNetMoco encoder format version {version} (this build reads version {FormatVersion}).");
            int jsonLength = reader.ReadInt32();
            if (jsonLength <= 0 || jsonLength > MaxDescriptionBytes)
                throw new InvalidDataException($"The MlNetMoco encoder file is corrupt: its description claims {jsonLength} bytes.");
            var json = new byte[jsonLength];
            if (ReadAtMost(reader, json) != jsonLength) throw new EndOfStreamException();
            string text;
            try
            {
                text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(json);
            }
            catch (DecoderFallbackException e)
            {
                throw new InvalidDataException("The MlNetMoco encoder file is corrupt: its description is not UTF-8.", e);
            }
            description = EncoderDescription.FromJson(text);
        }
        catch (EndOfStreamException e)
        {
            throw Truncated(e);
        }

        TrainedEncoder encoder;
        try
        {
            encoder = Create(description, device);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"The MlNetMoco encoder file describes an encoder that cannot be built: {e.Message}", e);
        }

        try
        {
            ReadState(reader, encoder._network, description);
            return encoder;
        }
        catch (EndOfStreamException e)
        {
            encoder.Dispose();
            throw Truncated(e);
        }
        catch
        {
            encoder.Dispose();
            throw;
        }
    }

    /// <summary>Releases the network and the normalisation tensors. Later calls to <see cref="Extract"/> throw.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            _network.Dispose();
            _mean.Dispose();
            _std.Dispose();
        }
    }

    private static void ReadState(BinaryReader reader, Backbone network, EncoderDescription description)
    {
        var target = network.state_dict();
        int count = reader.ReadInt32();
        if (count < 0 || count > 1_000_000)
            throw new InvalidDataException($"The MlNetMoco encoder file is corrupt: it claims {count} tensors.");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        string what = $"a {description.Backbone.Kind} encoder with a {description.Head} head";
        using var noGrad = no_grad();
        for (int i = 0; i < count; i++)
        {
            string name = reader.ReadString();
            if (!target.TryGetValue(name, out var destination))
                throw new InvalidDataException($"The MlNetMoco encoder file has a tensor '{name}' that {what} does not have.");
            if (!seen.Add(name))
                throw new InvalidDataException($"The MlNetMoco encoder file has tensor '{name}' twice.");
            int element = reader.ReadInt32();
            var dtype = element switch
            {
                ElementFloat32 => ScalarType.Float32,
                ElementInt64 => ScalarType.Int64,
                ElementFloat64 => ScalarType.Float64,
                _ => throw new InvalidDataException($"The MlNetMoco encoder file is corrupt: tensor '{name}' has unknown element type {element}."),
            };
            if (dtype != destination.dtype)
                throw new InvalidDataException($"Tensor '{name}' is {dtype} in the MlNetMoco encoder file but {destination.dtype} in {what}.");
            int rank = reader.ReadInt32();
            if (rank < 0 || rank > 8)
                throw new InvalidDataException($"The MlNetMoco encoder file is corrupt: tensor '{name}' has rank {rank}.");
            var shape = new long[rank];
            for (int d = 0; d < rank; d++) shape[d] = reader.ReadInt64();
            if (!shape.AsSpan().SequenceEqual(destination.shape))
                throw new InvalidDataException(
                    $"Tensor '{name}' has shape [{string.Join(", ", shape)}] in the MlNetMoco encoder file but [{string.Join(", ", destination.shape)}] in {what}.");
            using var cpu = empty(destination.shape, dtype);
            var bytes = cpu.bytes;
            if (ReadAtMost(reader, bytes) != bytes.Length) throw new EndOfStreamException();
            destination.copy_(cpu);
        }
        foreach (var name in target.Keys)
            if (!seen.Contains(name))
                throw new InvalidDataException($"The MlNetMoco encoder file lacks tensor '{name}' of {what}.");
    }

    private static string? CompareStates(IDictionary<string, Tensor> expected, IEnumerable<(string Name, long[] Shape)> given)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, shape) in given)
        {
            if (!expected.TryGetValue(name, out var tensor)) return $"it has '{name}', which the described network does not have.";
            if (!shape.AsSpan().SequenceEqual(tensor.shape))
                return $"'{name}' has shape [{string.Join(", ", shape)}], the described network expects [{string.Join(", ", tensor.shape)}].";
            seen.Add(name);
        }
        foreach (var name in expected.Keys)
            if (!seen.Contains(name)) return $"it lacks '{name}'.";
        return null;
    }

    private static int ElementCode(ScalarType dtype, string name) => dtype switch
    {
        ScalarType.Float32 => ElementFloat32,
        ScalarType.Int64 => ElementInt64,
        ScalarType.Float64 => ElementFloat64,
        _ => throw new NotSupportedException($"Tensor '{name}' has element type {dtype}, which encoder files do not store."),
    };

    private static void CopyOut(Tensor values, Span<float> destination)
    {
        var cpu = values.to(ScalarType.Float32).cpu().contiguous();
        MemoryMarshal.Cast<byte, float>(cpu.bytes).CopyTo(destination);
    }

    private static int ReadAtMost(BinaryReader reader, Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int read = reader.Read(buffer[total..]);
            if (read == 0) break;
            total += read;
        }
        return total;
    }

    private static InvalidDataException Truncated(Exception inner) =>
        new("The MlNetMoco encoder file is truncated: the data ended before the encoder was complete.", inner);
}
