using System.Text;
using MlNetMoco.Core.Heads;
using MlNetMoco.Core.Inference;
using MlNetMoco.Core.Methods;
using static MlNetMoco.Core.Tests.Inference.EncoderTestData;

namespace MlNetMoco.Core.Tests.Inference;

/// <summary>The encoder file format: <see cref="TrainedEncoder.Save"/> and <see cref="TrainedEncoder.Load(Stream, string)"/>.</summary>
public class EncoderFileTests
{
    [Fact]
    public void Save_then_load_gives_the_same_encoder()
    {
        using var encoder = Encoder();
        var pixels = Images(3);
        var (features, projections) = Extract(encoder, pixels);
        byte[] bytes = Saved(encoder);
        Assert.Equal("MLNETMOCO-ENC"u8.ToArray(), bytes.Take(13));
        Assert.Equal(TrainedEncoder.FormatVersion, BitConverter.ToInt32(bytes, 13));
        Assert.Equal(bytes, Saved(encoder)); // deterministic

        using var stream = new MemoryStream(bytes);
        using var loaded = TrainedEncoder.Load(stream, "cpu");
        Assert.Equal(bytes.Length, stream.Position); // reads exactly its own bytes
        Assert.Equal(encoder.Description, loaded.Description);
        Assert.Equal("ünïcode ✓", loaded.Description.Metadata["note"]);
        var (loadedFeatures, loadedProjections) = Extract(loaded, pixels);
        Assert.Equal(features, loadedFeatures);
        Assert.Equal(projections, loadedProjections);

        // Every parameter and buffer (BatchNorm statistics and counters included) came back.
        var original = encoder.Network.state_dict();
        foreach (var (name, value) in loaded.Network.state_dict())
            Assert.True(value.eq(original[name]).all().item<bool>(), name);
        Assert.Equal(original.Count, loaded.Network.state_dict().Count);
    }

    [Fact]
    public void Load_follows_the_stream_position_so_encoders_can_be_embedded()
    {
        using var encoder = Encoder(head: MoCoVersion.V1);
        using var stream = new MemoryStream();
        stream.Write("prefix"u8);
        encoder.Save(stream);
        stream.Write("suffix"u8);
        stream.Position = 6;
        using var loaded = TrainedEncoder.Load(stream, "cpu");
        Span<byte> rest = stackalloc byte[6];
        stream.ReadExactly(rest);
        Assert.Equal("suffix"u8.ToArray(), rest.ToArray());
        Assert.Equal(HeadSpec.Linear(256, 16), loaded.Description.Head);
    }

    [Fact]
    public void Foreign_data_is_not_an_encoder_file()
    {
        foreach (var bytes in new[] { Array.Empty<byte>(), "MLNETMOCO"u8.ToArray(), "PK\u0003\u0004 a zip file, not an encoder"u8.ToArray(), new byte[100] })
        {
            var ex = Assert.Throws<InvalidDataException>(() => TrainedEncoder.Load(new MemoryStream(bytes), "cpu"));
            Assert.Contains("not an MlNetMoco encoder file", ex.Message);
        }
    }

    [Fact]
    public void Another_format_version_is_refused()
    {
        using var encoder = Encoder();
        var bytes = Saved(encoder);
        BitConverter.GetBytes(99).CopyTo(bytes, 13);
        var ex = Assert.Throws<InvalidDataException>(() => TrainedEncoder.Load(new MemoryStream(bytes), "cpu"));
        Assert.Contains("format version 99", ex.Message);
    }

    [Fact]
    public void Truncated_files_are_reported_as_truncated()
    {
        using var encoder = Encoder();
        var bytes = Saved(encoder);
        int jsonEnd = 21 + BitConverter.ToInt32(bytes, 17);
        foreach (int length in new[] { 15, 19, 30, jsonEnd, jsonEnd + 10, bytes.Length / 2, bytes.Length - 1 })
        {
            var ex = Assert.Throws<InvalidDataException>(() => TrainedEncoder.Load(new MemoryStream(bytes, 0, length), "cpu"));
            Assert.Contains("truncated", ex.Message);
        }
    }

    [Fact]
    public void Corrupt_description_is_invalid_data()
    {
        using var encoder = Encoder();
        var bytes = Saved(encoder);
        bytes[22] = (byte)'#'; // inside the JSON
        Assert.Throws<InvalidDataException>(() => TrainedEncoder.Load(new MemoryStream(bytes), "cpu"));

        var huge = Saved(encoder);
        BitConverter.GetBytes(int.MaxValue).CopyTo(huge, 17);
        Assert.Contains("corrupt", Assert.Throws<InvalidDataException>(() => TrainedEncoder.Load(new MemoryStream(huge), "cpu")).Message);
    }

    [Fact]
    public void Tensors_that_do_not_match_the_description_are_named()
    {
        using var v2 = Encoder(head: MoCoVersion.V2, projectionDim: 16);

        // Same head, other projection size: fc.2.weight has the wrong shape.
        var wrongShape = WithDescription(Saved(v2), v2.Description with { Head = HeadSpec.ForVersion(MoCoVersion.V2, 256, 32) });
        var ex = Assert.Throws<InvalidDataException>(() => TrainedEncoder.Load(new MemoryStream(wrongShape), "cpu"));
        Assert.Contains("'fc.2.weight'", ex.Message);
        Assert.Contains("[16, 256]", ex.Message);

        // A v1 description over v2 tensors: the first tensor the v1 network lacks is named.
        var wrongHead = WithDescription(Saved(v2), v2.Description with { Head = HeadSpec.Linear(256, 16) });
        ex = Assert.Throws<InvalidDataException>(() => TrainedEncoder.Load(new MemoryStream(wrongHead), "cpu"));
        Assert.Contains("'fc.0.weight'", ex.Message);

        // A v2 description over v1 tensors: the file's tensor the v2 network does not have is named.
        using var v1 = Encoder(head: MoCoVersion.V1, projectionDim: 16);
        var extra = WithDescription(Saved(v1), v1.Description with { Head = HeadSpec.ForVersion(MoCoVersion.V2, 256, 16) });
        ex = Assert.Throws<InvalidDataException>(() => TrainedEncoder.Load(new MemoryStream(extra), "cpu"));
        Assert.Contains("'fc.weight'", ex.Message);

        // The last tensor left out and the count lowered: the missing tensor is named.
        var bytes = Saved(v2);
        var (lastName, last) = v2.Network.state_dict().Last();
        int countOffset = 21 + BitConverter.ToInt32(bytes, 17);
        long lastTensorBytes = 1 + lastName.Length + 4 + 4 + 8 * last.ndim + 8 + last.numel() * last.element_size();
        BitConverter.GetBytes(BitConverter.ToInt32(bytes, countOffset) - 1).CopyTo(bytes, countOffset);
        ex = Assert.Throws<InvalidDataException>(() => TrainedEncoder.Load(new MemoryStream(bytes, 0, bytes.Length - (int)lastTensorBytes), "cpu"));
        Assert.Contains("lacks", ex.Message);
        Assert.Contains($"'{lastName}'", ex.Message);
    }

    /// <summary>The same tensors under another description (the file layout is the documented one).</summary>
    private static byte[] WithDescription(byte[] saved, EncoderDescription description)
    {
        int jsonLength = BitConverter.ToInt32(saved, 17);
        byte[] json = Encoding.UTF8.GetBytes(description.ToJson());
        using var stream = new MemoryStream();
        stream.Write(saved, 0, 17);
        stream.Write(BitConverter.GetBytes(json.Length));
        stream.Write(json);
        stream.Write(saved, 21 + jsonLength, saved.Length - 21 - jsonLength);
        return stream.ToArray();
    }
}
