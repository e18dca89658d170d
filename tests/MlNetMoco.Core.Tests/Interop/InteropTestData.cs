using MlNetMoco.Core.Methods;
using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Heads;
using MlNetMoco.Core.Interop;
using MlNetMoco.Core.Tests.Inference;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Tests.Interop;

/// <summary>Seeded networks and weight files for the interop tests.</summary>
internal static class InteropTestData
{
    /// <summary>A seeded backbone with a MoCo v2 head (or none) and non-default BatchNorm statistics.</summary>
    public static Backbone Network(BackboneSpec spec, int seed, int? projectionDim = 16, bool linearHead = false)
    {
        torch.manual_seed(seed);
        int featureDim = BackboneFactory.FeatureDimOf(spec);
        nn.Module<Tensor, Tensor>? head = projectionDim is not { } dim ? null
            : (linearHead ? HeadSpec.Linear(featureDim, dim) : HeadSpec.ForVersion(MoCoVersion.V2, featureDim, dim)).Build();
        var network = BackboneFactory.Create(spec, head);
        EncoderTestData.PerturbStatistics(network, seed);
        return network;
    }

    /// <summary>The network's state dict under <paramref name="prefix"/>, plus <paramref name="extra"/> tensors, as a safetensors file.</summary>
    public static void WriteSafeTensors(string path, nn.Module network, string prefix, params (string Name, Tensor Tensor)[] extra)
    {
        var tensors = network.state_dict().Select(kv => (prefix + kv.Key, kv.Value)).Concat(extra).ToList();
        SafeTensors.Write(path, tensors);
    }

    /// <summary>Whether every tensor of <paramref name="a"/>'s state dict (optionally only the trunk) equals <paramref name="b"/>'s.</summary>
    public static void AssertSameWeights(nn.Module a, nn.Module b, bool trunkOnly = false)
    {
        var right = b.state_dict();
        foreach (var (name, tensor) in a.state_dict())
        {
            if (trunkOnly && name.StartsWith("fc.", StringComparison.Ordinal)) continue;
            Assert.True(SafeTensorsTests.Same(tensor.cpu(), right[name].cpu()), $"'{name}' differs");
        }
    }

    /// <summary>Whether the head (<c>fc.*</c>) tensors of the two networks are equal.</summary>
    public static bool SameHead(nn.Module a, nn.Module b)
    {
        var right = b.state_dict();
        return a.state_dict().Where(kv => kv.Key.StartsWith("fc.", StringComparison.Ordinal))
            .All(kv => right.TryGetValue(kv.Key, out var t) && SafeTensorsTests.Same(kv.Value, t));
    }

    /// <summary>The largest absolute difference of two tensors of equal shape.</summary>
    public static float MaxAbsDiff(Tensor a, Tensor b)
    {
        Assert.Equal(a.shape, b.shape);
        using var diff = (a.cpu().to(ScalarType.Float32) - b.cpu().to(ScalarType.Float32)).abs().max();
        return diff.item<float>();
    }
}
