using System.Runtime.InteropServices;
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
    public void One_image_alone_gets_bit_identical_features_to_the_same_image_inside_a_batch()
    {
        // BatchNorm running statistics far from the defaults. libtorch's CPU convolution gives a batch of one other
        // last bits than a batch of two or more; Extract hides that.
        using var encoder = Encoder();
        var pixels = Images(5, seed: 21);
        int size = Shape.Size, dim = encoder.FeatureDim;
        var batch = new float[5 * dim];
        encoder.Extract(pixels, 5, batch);
        for (int n = 0; n < 5; n++)
        {
            var alone = new float[dim];
            encoder.Extract(pixels.AsSpan(n * size, size), 1, alone);
            Assert.Equal(Bits(batch.AsSpan(n * dim, dim)), Bits(alone));

            // Asking for the projections too changes nothing for the features.
            var (withProjections, _) = Extract(encoder, pixels.AsSpan(n * size, size).ToArray());
            Assert.Equal(Bits(alone), Bits(withProjections));
        }
    }

    [Theory]
    [InlineData(TrainedEncoder.MaxImagesPerForward + 1)]      // a last pass of one image
    [InlineData(2 * TrainedEncoder.MaxImagesPerForward + 7)]
    public void A_call_larger_than_one_forward_pass_gives_every_row_its_own_bits(int count)
    {
        using var encoder = Encoder();
        var pixels = Images(count, seed: 5);
        int size = Shape.Size, dim = encoder.FeatureDim, projDim = encoder.ProjectionDim;
        var (all, allProjections) = Extract(encoder, pixels);
        int[] rows = { 0, TrainedEncoder.MaxImagesPerForward - 1, TrainedEncoder.MaxImagesPerForward, count - 1 };
        foreach (int n in rows)
        {
            var (alone, aloneProjections) = Extract(encoder, pixels.AsSpan(n * size, size).ToArray());
            Assert.Equal(Bits(alone), Bits(all.AsSpan(n * dim, dim)));
            Assert.True(MaxAbsDiff(allProjections.AsSpan(n * projDim, projDim), aloneProjections) < 1e-5f, $"row {n}");
        }
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
    public void A_network_trained_with_split_batch_norm_becomes_a_plain_encoder_with_the_same_eval_outputs()
    {
        var description = Description(splits: 2);
        torch.manual_seed(9);
        int featureDim = BackboneFactory.FeatureDimOf(description.Backbone);
        using var trained = BackboneFactory.Create(description.Backbone, description.Head.Validate(featureDim).Build());
        Assert.Contains(trained.modules(), m => m is SplitBatchNorm2d { NumSplits: > 1 });

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
        Assert.DoesNotContain(encoder.Network.modules(), m => m is SplitBatchNorm2d { NumSplits: > 1 });
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
        using var other = BackboneFactory.Create(description.Backbone, HeadSpec.ForVersion(MoCoVersion.V2, SmallConvNet.OutputFeatureDim, 32).Build());
        var ex = Assert.Throws<ArgumentException>(() => TrainedEncoder.FromNetwork(other, description, CPU));
        Assert.Contains("fc.2.weight", ex.Message);
    }

    [Fact]
    public void Create_forces_plain_batch_norm_and_dispose_stops_extraction()
    {
        var encoder = TrainedEncoder.Create(Description(splits: 4), "cpu");
        Assert.Equal(1, encoder.Description.Backbone.BatchNormSplits);
        Assert.DoesNotContain(encoder.Network.modules(), m => m is SplitBatchNorm2d { NumSplits: > 1 });
        Assert.False(encoder.Network.training);
        encoder.Dispose();
        encoder.Dispose();
        Assert.Throws<ObjectDisposedException>(() => Extract(encoder, Images(1)));
        Assert.Throws<ObjectDisposedException>(() => encoder.Save(new MemoryStream()));
    }

    private static int[] Bits(ReadOnlySpan<float> values) => MemoryMarshal.Cast<float, int>(values).ToArray();
}
