using System.Text.Json;
using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Heads;
using MlNetMoco.Core.Methods;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Tests.Heads;

public class HeadSpecTests
{
    private static string[] Names(HeadSpec spec)
    {
        using var backbone = BackboneFactory.Create(new BackboneSpec(BackboneKind.SmallConvNet, 1), spec.Build());
        // TorchSharp lists parameters before buffers; PyTorch interleaves them: the names are what must match.
        return backbone.state_dict().Keys.Where(k => k.StartsWith("fc", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToArray();
    }

    [Fact]
    public void MoCo_v1_and_v2_heads_keep_the_facebookresearch_names()
    {
        Assert.Equal(new[] { "fc.bias", "fc.weight" }, Names(HeadSpec.ForVersion(MoCoVersion.V1, 256, 128)));
        Assert.Equal(new[] { "fc.0.bias", "fc.0.weight", "fc.2.bias", "fc.2.weight" }, Names(HeadSpec.ForVersion(MoCoVersion.V2, 256, 128)));
        Assert.Equal("Linear(256→256) → ReLU → Linear(256→128)", HeadSpec.ForVersion(MoCoVersion.V2, 256, 128).ToString());
    }

    [Fact]
    public void The_MoCo_v3_projector_and_predictor_are_expressible_with_moco_v3_names()
    {
        // moco-v3 builder.py _build_mlp(3, 256, 4096, 256, last_bn=True): Linear(no bias)-BN-ReLU ×2, Linear(no bias)-BN(affine=False).
        var projector = HeadSpec.Mlp(256, 64, 32, layers: 3, batchNorm: true, lastBatchNorm: true, bias: false);
        Assert.Equal(32, projector.OutputDim);
        Assert.Equal(new[]
        {
            "fc.0.weight", "fc.1.bias", "fc.1.num_batches_tracked", "fc.1.running_mean", "fc.1.running_var", "fc.1.weight",
            "fc.3.weight", "fc.4.bias", "fc.4.num_batches_tracked", "fc.4.running_mean", "fc.4.running_var", "fc.4.weight",
            "fc.6.weight", "fc.7.num_batches_tracked", "fc.7.running_mean", "fc.7.running_var",
        }, Names(projector));

        var predictor = HeadSpec.Mlp(32, 64, 32, layers: 2, batchNorm: true, bias: false);
        Assert.Equal("Linear(32→64, no bias) → BatchNorm1d(64) → ReLU → Linear(64→32, no bias)", predictor.ToString());
        using var module = predictor.Build();
        using var x = randn(4, 32);
        using var y = module.call(x);
        Assert.Equal(new long[] { 4, 32 }, y.shape);
    }

    [Fact]
    public void Json_round_trips_every_block()
    {
        var spec = new HeadSpec([new BatchNorm1dLayer(8), new LinearLayer(8, 4, Bias: false), new ReluLayer(), new BatchNorm1dLayer(4, Affine: false)]);
        string json = JsonSerializer.Serialize(spec);
        Assert.Contains("\"Type\":\"BatchNorm1d\"", json);
        Assert.DoesNotContain("OutputDim", json);
        var back = JsonSerializer.Deserialize<HeadSpec>(json)!;
        Assert.Equal(spec, back);
        Assert.Equal(spec.GetHashCode(), back.GetHashCode());
        Assert.Equal(8, back.InputDim);
        Assert.Equal(4, back.OutputDim);
    }

    [Fact]
    public void Widths_that_do_not_chain_are_refused_naming_the_block()
    {
        var ex = Assert.Throws<ArgumentException>(() => new HeadSpec([new LinearLayer(8, 4), new BatchNorm1dLayer(5)]));
        Assert.Contains("Head layer 1", ex.Message);
        Assert.Contains("normalises 5 features but receives 4", ex.Message);
        Assert.Throws<ArgumentException>(() => new HeadSpec([new ReluLayer()]));
        Assert.Throws<ArgumentException>(() => new HeadSpec(Array.Empty<HeadLayer>()));
        Assert.Throws<ArgumentException>(() => new HeadSpec([new LinearLayer(0, 4)]));
        Assert.Throws<ArgumentException>(() => HeadSpec.Linear(128, 16).Validate(256));
    }
}
