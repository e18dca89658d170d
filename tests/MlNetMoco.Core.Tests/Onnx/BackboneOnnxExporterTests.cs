using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Onnx;
using MlNetMoco.Core.Tests.Inference;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Tests.Onnx;

/// <summary>
/// The backbone alone (normalised N×C×H×W images → pooled features), per architecture, with BatchNorm folded and as
/// BatchNormalization nodes: ONNX Runtime agrees with TorchSharp's eval-mode <see cref="Backbone.Features"/> to 1e-4,
/// and the model passes onnx.checker. BatchNorm running statistics come from a few train-mode forwards and the affine
/// parameters are randomised, so eval mode and folding are really exercised.
/// </summary>
public class BackboneOnnxExporterTests
{
    private const int Batch = 2;

    public static TheoryData<BackboneKind, bool, int, int> Architectures => new()
    {
        // kind, small stem, channels, side
        { BackboneKind.SmallConvNet, false, 1, 28 },
        { BackboneKind.SmallConvNet, false, 3, 32 },
        { BackboneKind.ResNet18, true, 3, 32 },
        { BackboneKind.ResNet18, false, 3, 32 },
        { BackboneKind.ResNet34, false, 3, 32 },
        { BackboneKind.ResNet50, false, 3, 32 },
        { BackboneKind.ResNet50, true, 3, 16 },
    };

    /// <summary>A seeded backbone in eval mode whose BatchNorms hold non-default statistics and affine parameters.</summary>
    private static Backbone Trained(BackboneKind kind, bool smallStem, int channels, int side)
    {
        torch.manual_seed(17);
        var network = BackboneFactory.Create(new BackboneSpec(kind, channels, smallStem));
        using (var noGrad = torch.no_grad())
        using (var scope = torch.NewDisposeScope())
        {
            using var generator = new Generator(23);
            foreach (var bn in network.modules().OfType<TorchSharp.Modules.BatchNorm>())
            {
                bn.weight!.copy_(torch.rand(bn.weight.shape, generator: generator).add_(0.5));
                bn.bias!.copy_(torch.rand(bn.bias.shape, generator: generator).sub_(0.5).mul_(0.4));
            }
            network.train();
            for (int step = 0; step < 3; step++)
                network.Features(torch.rand(new long[] { 4, channels, side, side }, generator: generator).mul_(2).sub_(0.7));
        }
        network.eval();
        return network;
    }

    private static float[] Images(int channels, int side, int seed = 31)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, Batch * channels * side * side).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();
    }

    private static float[] TorchFeatures(Backbone network, float[] images, int channels, int side)
    {
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(images, new long[] { Batch, channels, side, side });
        return network.Features(x).data<float>().ToArray();
    }

    private static OnnxGraphBuilder Graph(Backbone network, int channels, int side, bool fold)
    {
        var g = new OnnxGraphBuilder("backbone");
        string images = g.AddInput("images", channels, side, side);
        string features = BackboneOnnxExporter.WriteFeatures(g, network, images, fold, output: "features");
        g.AddOutput(features, network.FeatureDim);
        return g;
    }

    private static float[] OnnxFeatures(byte[] model, float[] images, int channels, int side)
    {
        using var session = new InferenceSession(model);
        var input = new DenseTensor<float>(images, new[] { Batch, channels, side, side });
        using var results = session.Run(new[] { NamedOnnxValue.CreateFromTensor("images", input) });
        var output = results.Single(r => r.Name == "features").AsTensor<float>();
        Assert.Equal(new[] { Batch, output.Dimensions[1] }, output.Dimensions.ToArray());
        return output.ToArray();
    }

    [Theory]
    [MemberData(nameof(Architectures))]
    public void OnnxRuntime_matches_TorchSharp_eval_features_folded_and_unfolded_and_passes_the_checker(
        BackboneKind kind, bool smallStem, int channels, int side)
    {
        string? python = OnnxChecker.Find(); // without python3-onnx the parity is still checked, then the test skips
        using var network = Trained(kind, smallStem, channels, side);
        var images = Images(channels, side);
        var expected = TorchFeatures(network, images, channels, side);
        Assert.Equal(Batch * network.FeatureDim, expected.Length);

        foreach (bool fold in new[] { true, false })
        {
            var g = Graph(network, channels, side, fold);
            byte[] model = new OnnxModelWriter().ToBytes(g.Build());
            var actual = OnnxFeatures(model, images, channels, side);
            float worst = EncoderTestData.MaxAbsDiff(expected, actual);
            Assert.True(worst <= 1e-4f, $"{kind} (small stem {smallStem}, fold {fold}): max |Δ| = {worst}");

            if (python is null) continue;
            var (exit, output) = OnnxChecker.Check(python, model);
            Assert.True(exit == 0, $"onnx.checker rejected {kind} (fold {fold}) (exit {exit}):\n{output}");
        }
        if (python is null) OnnxChecker.Require(checkedSoFar: "ONNX Runtime matched TorchSharp to 1e-4, BatchNorm folded and unfolded");
    }

    [Theory]
    [InlineData(BackboneKind.SmallConvNet, false)]
    [InlineData(BackboneKind.ResNet18, false)]
    [InlineData(BackboneKind.ResNet50, true)]
    public void Unfolded_initializers_are_the_trunk_state_dict_and_folding_removes_every_BatchNormalization(BackboneKind kind, bool smallStem)
    {
        using var network = Trained(kind, smallStem, 3, 16);
        var trunk = network.state_dict()
            .Where(p => !p.Key.StartsWith("fc", StringComparison.Ordinal) && !p.Key.EndsWith("num_batches_tracked", StringComparison.Ordinal))
            .ToDictionary(p => p.Key, p => p.Value.shape);
        int batchNorms = network.modules().OfType<TorchSharp.Modules.BatchNorm>().Count();
        int convolutions = network.modules().OfType<TorchSharp.Modules.Conv2d>().Count();

        var unfolded = Graph(network, 3, 16, fold: false);
        var initializers = unfolded.Build().Initializer.ToDictionary(t => t.Name, t => t.Dims.ToArray());
        Assert.Equal(trunk.Keys.Order(), initializers.Keys.Order());
        foreach (var (name, shape) in trunk) Assert.Equal(shape, initializers[name]);
        Assert.Equal(batchNorms, unfolded.Build().Node.Count(n => n.OpType == "BatchNormalization"));

        var folded = Graph(network, 3, 16, fold: true).Build();
        Assert.DoesNotContain(folded.Node, n => n.OpType == "BatchNormalization");
        Assert.Equal(convolutions, folded.Node.Count(n => n.OpType == "Conv"));
        Assert.All(folded.Node.Where(n => n.OpType == "Conv"), n => Assert.Equal(3, n.Input.Count)); // folded bias
    }

    [Fact]
    public void Every_factory_backbone_is_supported_and_an_unknown_one_is_refused_by_name()
    {
        foreach (var kind in Enum.GetValues<BackboneKind>())
        {
            using var network = BackboneFactory.Create(new BackboneSpec(kind, 1, SmallImageStem: true).ForImages(new MlNetMoco.Core.Data.ImageShape(1, 8, 8)));
            Assert.True(BackboneOnnxExporter.IsSupported(network), kind.ToString());
        }

        using var unknown = new Unknown();
        Assert.False(BackboneOnnxExporter.IsSupported(unknown));
        var g = new OnnxGraphBuilder();
        string images = g.AddInput("images", 1, 4, 4);
        var error = Assert.Throws<NotSupportedException>(() => BackboneOnnxExporter.WriteFeatures(g, unknown, images));
        Assert.Contains(nameof(Unknown), error.Message);
    }

    private sealed class Unknown : Backbone
    {
        public Unknown() : base(nameof(Unknown), 1, null) => RegisterComponents();

        public override int FeatureDim => 1;

        public override torch.Tensor Features(torch.Tensor x) => x.mean(new long[] { 1, 2, 3 }).unsqueeze(1);
    }
}
