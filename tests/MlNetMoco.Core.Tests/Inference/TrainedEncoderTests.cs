using System.Text;
using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Heads;
using MlNetMoco.Core.Inference;
using MlNetMoco.Core.Methods;
using MlNetMoco.Core.Normalization;
using TorchSharp;
using static MlNetMoco.Core.Tests.Inference.EncoderTestData;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Tests.Inference;

public class TrainedEncoderTests
{
    [Fact]
    public void Extract_writes_features_and_projections_of_the_right_size()
    {
        using var encoder = Encoder();
        Assert.Equal(SmallConvNet.OutputFeatureDim, encoder.FeatureDim);
        Assert.Equal(16, encoder.ProjectionDim);
        Assert.Equal(Shape, encoder.InputShape);
        Assert.Equal(DeviceType.CPU, encoder.Device.type);

        var pixels = Images(3);
        var features = new float[3 * encoder.FeatureDim + 5];
        var projections = new float[3 * encoder.ProjectionDim + 5];
        Array.Fill(features, float.NaN);
        Array.Fill(projections, float.NaN);
        encoder.Extract(pixels, 3, features, projections);

        Assert.All(features.Take(3 * encoder.FeatureDim), v => Assert.True(float.IsFinite(v)));
        Assert.All(projections.Take(3 * encoder.ProjectionDim), v => Assert.True(float.IsFinite(v)));
        Assert.All(features.Skip(3 * encoder.FeatureDim), v => Assert.True(float.IsNaN(v)));   // nothing past the end
        Assert.All(projections.Skip(3 * encoder.ProjectionDim), v => Assert.True(float.IsNaN(v)));

        // Features only, and zero images, are fine.
        var only = new float[3 * encoder.FeatureDim];
        encoder.Extract(pixels, 3, only);
        Assert.Equal(features.Take(only.Length), only);
        encoder.Extract(ReadOnlySpan<float>.Empty, 0, Span<float>.Empty);
    }

    [Fact]
    public void Extract_rejects_spans_that_are_too_small()
    {
        using var encoder = Encoder();
        var pixels = Images(2);
        var features = new float[2 * encoder.FeatureDim];
        Assert.Throws<ArgumentException>(() => encoder.Extract(pixels.AsSpan(1), 2, features));
        Assert.Throws<ArgumentException>(() => encoder.Extract(pixels, 2, features.AsSpan(1)));
        Assert.Throws<ArgumentException>(() => encoder.Extract(pixels, 2, features, new float[3]));
        Assert.Throws<ArgumentOutOfRangeException>(() => encoder.Extract(pixels, -1, features));
    }

    [Fact]
    public void A_row_gets_the_same_features_whatever_else_is_in_the_call()
    {
        using var encoder = Encoder();
        var pixels = Images(4);
        var (all, allProjections) = Extract(encoder, pixels);
        var (again, _) = Extract(encoder, pixels);
        Assert.Equal(all, again); // bit-identical on repetition

        int size = Shape.Size, dim = encoder.FeatureDim, projDim = encoder.ProjectionDim;
        var (alone, aloneProjections) = Extract(encoder, pixels.AsSpan(2 * size, size).ToArray());
        Assert.True(MaxAbsDiff(all.AsSpan(2 * dim, dim), alone) < 1e-5f);
        Assert.True(MaxAbsDiff(allProjections.AsSpan(2 * projDim, projDim), aloneProjections) < 1e-5f);

        var reversed = new float[pixels.Length];
        for (int n = 0; n < 4; n++) pixels.AsSpan((3 - n) * size, size).CopyTo(reversed.AsSpan(n * size));
        var (backwards, _) = Extract(encoder, reversed);
        for (int n = 0; n < 4; n++)
            Assert.True(MaxAbsDiff(all.AsSpan(n * dim, dim), backwards.AsSpan((3 - n) * dim, dim)) < 1e-5f);
    }

    [Fact]
    public void Extract_normalises_then_runs_the_network_in_eval_mode()
    {
        using var encoder = Encoder();
        var pixels = Images(3);
        var (features, projections) = Extract(encoder, pixels);

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = (tensor(pixels, new long[] { 3, 1, 8, 8 }) - 0.3f) / 0.2f;
        encoder.Network.eval();
        var expectedFeatures = encoder.Network.Features(x).data<float>().ToArray();
        var expectedProjections = encoder.Network.call(x).data<float>().ToArray();
        Assert.True(MaxAbsDiff(features, expectedFeatures) < 1e-5f);
        Assert.True(MaxAbsDiff(projections, expectedProjections) < 1e-5f);

        // Without the normalisation the result would differ: the check above is not vacuous.
        var raw = encoder.Network.Features(tensor(pixels, new long[] { 3, 1, 8, 8 })).data<float>().ToArray();
        Assert.True(MaxAbsDiff(features, raw) > 1e-3f);
    }

    [Fact]
    public void Extract_is_safe_from_several_threads()
    {
        using var encoder = Encoder();
        var pixels = Images(2);
        var (expected, _) = Extract(encoder, pixels);
        var results = new float[4][];
        Parallel.For(0, 4, i => results[i] = Extract(encoder, pixels).Features);
        Assert.All(results, r => Assert.Equal(expected, r));
    }

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
        Assert.Equal(MoCoVersion.V1, loaded.Description.Head);
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
        var wrongShape = WithDescription(Saved(v2), v2.Description with { ProjectionDim = 32 });
        var ex = Assert.Throws<InvalidDataException>(() => TrainedEncoder.Load(new MemoryStream(wrongShape), "cpu"));
        Assert.Contains("'fc.2.weight'", ex.Message);
        Assert.Contains("[16, 256]", ex.Message);

        // A v1 description over v2 tensors: the first tensor the v1 network lacks is named.
        var wrongHead = WithDescription(Saved(v2), v2.Description with { Head = MoCoVersion.V1 });
        ex = Assert.Throws<InvalidDataException>(() => TrainedEncoder.Load(new MemoryStream(wrongHead), "cpu"));
        Assert.Contains("'fc.0.weight'", ex.Message);

        // A v2 description over v1 tensors: the file's tensor the v2 network does not have is named.
        using var v1 = Encoder(head: MoCoVersion.V1, projectionDim: 16);
        var extra = WithDescription(Saved(v1), v1.Description with { Head = MoCoVersion.V2 });
        ex = Assert.Throws<InvalidDataException>(() => TrainedEncoder.Load(new MemoryStream(extra), "cpu"));
        Assert.Contains("'fc.weight'", ex.Message);

        // The last tensor left out and the count lowered: the missing tensor is named.
        var bytes = Saved(v2);
        var (lastName, last) = v2.Network.state_dict().Last();
        int countOffset = 21 + BitConverter.ToInt32(bytes, 17);
        long lastTensorBytes = 1 + lastName.Length + 4 + 4 + 8 * last.ndim + last.numel() * last.element_size();
        BitConverter.GetBytes(BitConverter.ToInt32(bytes, countOffset) - 1).CopyTo(bytes, countOffset);
        ex = Assert.Throws<InvalidDataException>(() => TrainedEncoder.Load(new MemoryStream(bytes, 0, bytes.Length - (int)lastTensorBytes), "cpu"));
        Assert.Contains("lacks", ex.Message);
        Assert.Contains($"'{lastName}'", ex.Message);
    }

    [Fact]
    public void A_network_trained_with_split_batch_norm_becomes_a_plain_encoder_with_the_same_eval_outputs()
    {
        var description = Description(splits: 2);
        torch.manual_seed(9);
        int featureDim = BackboneFactory.FeatureDimOf(description.Backbone);
        using var trained = BackboneFactory.Create(description.Backbone, ProjectionHeads.For(description.Head, featureDim, description.ProjectionDim));
        Assert.Contains(trained.modules(), m => m is SplitBatchNorm2d);

        // "Train": a few training-mode passes move the running statistics; perturb the weights as an update would.
        trained.train();
        using (no_grad())
        {
            var images = Images(8, seed: 5);
            for (int i = 0; i < 3; i++)
            {
                using var step = NewDisposeScope();
                trained.call((tensor(images, new long[] { 8, 1, 8, 8 }) - 0.3f) / 0.2f);
            }
            foreach (var p in trained.parameters()) p.add_(0.01f);
        }
        trained.eval();
        var pixels = Images(3);
        float[] expectedFeatures, expectedProjections;
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            var x = (tensor(pixels, new long[] { 3, 1, 8, 8 }) - 0.3f) / 0.2f;
            expectedFeatures = trained.Features(x).data<float>().ToArray();
            expectedProjections = trained.call(x).data<float>().ToArray();
        }
        trained.train(); // FromNetwork must not care about the source's mode

        using var encoder = TrainedEncoder.FromNetwork(trained, description, CPU);
        Assert.Equal(1, encoder.Backbone.BatchNormSplits);
        Assert.DoesNotContain(encoder.Network.modules(), m => m is SplitBatchNorm2d);
        var (features, projections) = Extract(encoder, pixels);
        Assert.Equal(expectedFeatures, features);
        Assert.Equal(expectedProjections, projections);

        // The copy is independent of the source, and survives a save/load.
        using (no_grad()) foreach (var p in trained.parameters()) p.zero_();
        Assert.Equal(expectedFeatures, Extract(encoder, pixels).Features);
        using var loaded = TrainedEncoder.Load(new MemoryStream(Saved(encoder)), "cpu");
        Assert.Equal(expectedFeatures, Extract(loaded, pixels).Features);
    }

    [Fact]
    public void FromNetwork_rejects_a_network_of_another_shape()
    {
        var description = Description(projectionDim: 16);
        using var other = BackboneFactory.Create(description.Backbone, ProjectionHeads.For(MoCoVersion.V2, SmallConvNet.OutputFeatureDim, 32));
        var ex = Assert.Throws<ArgumentException>(() => TrainedEncoder.FromNetwork(other, description, CPU));
        Assert.Contains("fc.2.weight", ex.Message);
    }

    [Fact]
    public void Create_forces_plain_batch_norm_and_dispose_stops_extraction()
    {
        var encoder = TrainedEncoder.Create(Description(splits: 4), "cpu");
        Assert.Equal(1, encoder.Description.Backbone.BatchNormSplits);
        Assert.DoesNotContain(encoder.Network.modules(), m => m is SplitBatchNorm2d);
        Assert.False(encoder.Network.training);
        encoder.Dispose();
        encoder.Dispose();
        Assert.Throws<ObjectDisposedException>(() => Extract(encoder, Images(1)));
        Assert.Throws<ObjectDisposedException>(() => encoder.Save(new MemoryStream()));
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
