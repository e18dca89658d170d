using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Data;
using MlNetMoco.Core.Heads;
using MlNetMoco.Core.Inference;
using MlNetMoco.Core.Methods;
using TorchSharp;

namespace MlNetMoco.Core.Tests.Inference;

/// <summary>Tiny encoders and images shared by the inference tests (SmallConvNet on 1×8×8 images: fast on 2 CPU cores).</summary>
internal static class EncoderTestData
{
    public static readonly ImageShape Shape = new(1, 8, 8);

    public static EncoderDescription Description(MoCoVersion head = MoCoVersion.V2, int projectionDim = 16, int splits = 1) =>
        new(new BackboneSpec(BackboneKind.SmallConvNet, InChannels: 1, BatchNormSplits: splits),
            HeadSpec.ForVersion(head, SmallConvNet.OutputFeatureDim, projectionDim), Shape,
            new ImageNormalization(new[] { 0.3f }, new[] { 0.2f }))
        {
            Metadata = new Dictionary<string, string> { ["method"] = "MoCo", ["note"] = "ünïcode ✓" },
        };

    /// <summary>A fresh encoder whose BatchNorm running statistics are not the defaults (so eval mode matters).</summary>
    public static TrainedEncoder Encoder(int seed = 3, MoCoVersion head = MoCoVersion.V2, int projectionDim = 16)
    {
        torch.manual_seed(seed);
        var encoder = TrainedEncoder.Create(Description(head, projectionDim), "cpu");
        PerturbStatistics(encoder.Network, seed);
        return encoder;
    }

    /// <summary>Sets every BatchNorm running mean/var (and affine parameters) to seeded random values.</summary>
    public static void PerturbStatistics(torch.nn.Module network, int seed)
    {
        var generator = new torch.Generator((ulong)seed + 100);
        using var noGrad = torch.no_grad();
        foreach (var (name, tensor) in network.state_dict())
        {
            if (tensor.dtype != torch.ScalarType.Float32) continue;
            using var noise = torch.rand(tensor.shape, generator: generator);
            if (name.EndsWith("running_var", StringComparison.Ordinal)) tensor.copy_(noise.mul(2).add_(0.5));
            else if (name.EndsWith("running_mean", StringComparison.Ordinal)) tensor.copy_(noise.sub(0.5).mul_(0.4));
            else if (name.Contains(".bn.", StringComparison.Ordinal)) tensor.add_(noise.sub(0.5).mul_(0.2));
        }
    }

    /// <summary><paramref name="count"/> seeded images with values in [0, 1].</summary>
    public static float[] Images(int count, int seed = 11)
    {
        var random = new Random(seed);
        var pixels = new float[count * Shape.Size];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (float)random.NextDouble();
        return pixels;
    }

    public static (float[] Features, float[] Projections) Extract(TrainedEncoder encoder, float[] pixels)
    {
        int count = pixels.Length / encoder.InputShape.Size;
        var features = new float[count * encoder.FeatureDim];
        var projections = new float[count * encoder.ProjectionDim];
        encoder.Extract(pixels, count, features, projections);
        return (features, projections);
    }

    public static float MaxAbsDiff(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        Assert.Equal(a.Length, b.Length);
        float max = 0;
        for (int i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs(a[i] - b[i]));
        return max;
    }

    public static byte[] Saved(TrainedEncoder encoder)
    {
        using var stream = new MemoryStream();
        encoder.Save(stream);
        return stream.ToArray();
    }
}
