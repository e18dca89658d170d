using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Data;
using MlNetMoco.Core.Heads;
using MlNetMoco.Core.Inference;
using MlNetMoco.Core.Methods;
using MlNetMoco.Core.Onnx;
using MlNetMoco.Core.Tests.Inference;
using TorchSharp;

namespace MlNetMoco.Core.Tests.Onnx;

public class EncoderOnnxExporterTests
{
    public static TheoryData<BackboneKind, bool, int, int, bool, MoCoVersion> Cases => new()
    {
        { BackboneKind.SmallConvNet, false, 1, 12, true, MoCoVersion.V2 },
        { BackboneKind.SmallConvNet, false, 3, 12, false, MoCoVersion.V1 },
        { BackboneKind.ResNet18, true, 3, 16, true, MoCoVersion.V2 },
        { BackboneKind.ResNet18, false, 3, 32, true, MoCoVersion.V1 },
        { BackboneKind.ResNet18, true, 1, 16, false, MoCoVersion.V2 },
        { BackboneKind.ResNet34, true, 3, 16, true, MoCoVersion.V2 },
        { BackboneKind.ResNet50, true, 3, 16, true, MoCoVersion.V2 },
        { BackboneKind.ResNet50, false, 3, 32, false, MoCoVersion.V2 },
    };

    private static TrainedEncoder Encoder(BackboneKind kind, bool smallStem, int channels, int side, MoCoVersion head)
    {
        torch.manual_seed(5);
        var shape = new ImageShape(channels, side, side);
        var norm = new ImageNormalization(Enumerable.Range(0, channels).Select(c => 0.3f + 0.1f * c).ToArray(),
            Enumerable.Range(0, channels).Select(c => 0.2f + 0.05f * c).ToArray());
        var spec = new BackboneSpec(kind, channels, smallStem);
        var encoder = TrainedEncoder.Create(new EncoderDescription(spec, HeadSpec.ForVersion(head, BackboneFactory.FeatureDimOf(spec), 8), shape, norm), "cpu");
        EncoderTestData.PerturbStatistics(encoder.Network, 7);
        return encoder;
    }

    /// <summary>Random pixels in [0, 255], the range of ML.NET's ExtractPixels.</summary>
    private static float[] Pixels(int count, ImageShape shape)
    {
        var random = new Random(9);
        return Enumerable.Range(0, count * shape.Size).Select(_ => (float)(random.NextDouble() * 255)).ToArray();
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void OnnxRuntime_matches_TorchSharp_features_and_projections(BackboneKind kind, bool smallStem, int channels, int side, bool fold, MoCoVersion head)
    {
        using var encoder = Encoder(kind, smallStem, channels, side, head);
        var options = new EncoderOnnxOptions { ProjectionName = "Projection", FoldBatchNorm = fold };
        byte[] model = EncoderOnnxExporter.Export(encoder, options);

        const int count = 3;
        var pixels = Pixels(count, encoder.InputShape);
        var expectedFeatures = new float[count * encoder.FeatureDim];
        var expectedProjections = new float[count * encoder.ProjectionDim];
        encoder.Extract(pixels.Select(v => v / 255f).ToArray(), count, expectedFeatures, expectedProjections);

        using var session = new InferenceSession(model);
        var input = new DenseTensor<float>(pixels, new[] { count, encoder.InputShape.Size });
        using var results = session.Run(new[] { NamedOnnxValue.CreateFromTensor("Pixels", input) });
        var features = results.Single(r => r.Name == "Features").AsEnumerable<float>().ToArray();
        var projections = results.Single(r => r.Name == "Projection").AsEnumerable<float>().ToArray();

        Assert.True(EncoderTestData.MaxAbsDiff(expectedFeatures, features) <= 1e-4f,
            $"features differ by {EncoderTestData.MaxAbsDiff(expectedFeatures, features)}");
        Assert.True(EncoderTestData.MaxAbsDiff(expectedProjections, projections) <= 1e-4f,
            $"projections differ by {EncoderTestData.MaxAbsDiff(expectedProjections, projections)}");
    }

    [Fact]
    public void The_batch_dimension_is_symbolic_and_metadata_describes_the_input()
    {
        using var encoder = Encoder(BackboneKind.SmallConvNet, false, 1, 12, MoCoVersion.V2);
        using var session = new InferenceSession(EncoderOnnxExporter.Export(encoder));
        Assert.Equal(new[] { "Pixels" }, session.InputMetadata.Keys);
        Assert.Equal(new[] { -1, 144 }, session.InputMetadata["Pixels"].Dimensions);
        Assert.Equal(new[] { "Features" }, session.OutputMetadata.Keys);
        var meta = session.ModelMetadata.CustomMetadataMap;
        Assert.Equal("1,12,12", meta["mlnetmoco.input_shape"]);
        Assert.Equal("255", meta["mlnetmoco.input_scale"]);
        Assert.Equal("SmallConvNet", meta["mlnetmoco.backbone"]);
    }

    [Theory]
    [InlineData(BackboneKind.SmallConvNet, false, false)]
    [InlineData(BackboneKind.ResNet18, true, false)]
    [InlineData(BackboneKind.ResNet18, true, true)]
    public void Exported_models_pass_the_onnx_checker(BackboneKind kind, bool fold, bool singleRow)
    {
        string python = OnnxChecker.Require();
        using var encoder = Encoder(kind, true, 3, 16, MoCoVersion.V2);
        var model = EncoderOnnxExporter.Export(encoder, new EncoderOnnxOptions { ProjectionName = "Projection", FoldBatchNorm = fold, SingleRow = singleRow });
        var (exit, output) = OnnxChecker.Check(python, model);
        Assert.True(exit == 0, $"onnx.checker rejected the model (exit {exit}):\n{output}");
    }
}
