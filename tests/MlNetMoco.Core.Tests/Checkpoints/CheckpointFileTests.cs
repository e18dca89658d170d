using MlNetMoco.Core.Checkpoints;
using MlNetMoco.Core.Heads;
using MlNetMoco.Core.Tests.Inference;
using MlNetMoco.Core.Tests.Training;

namespace MlNetMoco.Core.Tests.Checkpoints;

public class CheckpointFileTests
{
    [Fact]
    public void A_format_1_checkpoint_is_refused_with_what_to_do()
    {
        string path = LegacyEncoderFileTests.Resource("legacy-checkpoint-v1.mlnmckpt");
        var ex = Assert.Throws<InvalidDataException>(() => CheckpointFile.Load(path));
        Assert.Contains("format 1", ex.Message);
        Assert.Contains("Resume it with MlNetMoco 0.1", ex.Message);
        Assert.Contains("CheckpointFile.ReadEncoder(path)", ex.Message);
        Assert.Contains("format 1", Assert.Throws<InvalidDataException>(() =>
            TrainerTests.Run(TrainerTests.DistinctImages(16), TrainerTests.Small() with { BatchSize = 8, ResumeFrom = path })).Message);
    }

    [Fact]
    public void The_query_encoder_of_a_format_1_checkpoint_is_read_with_the_features_it_had()
    {
        using var encoder = CheckpointFile.ReadEncoder(LegacyEncoderFileTests.Resource("legacy-checkpoint-v1.mlnmckpt"));
        Assert.Equal(HeadSpec.Linear(256, 8), encoder.Description.Head);
        Assert.Equal(new MlNetMoco.Core.Data.ImageShape(1, 16, 16), encoder.InputShape);
        var random = new Random(11);
        var pixels = Enumerable.Range(0, 4 * 256).Select(_ => (float)random.NextDouble()).ToArray();
        var features = new float[4 * encoder.FeatureDim];
        var projections = new float[4 * encoder.ProjectionDim];
        encoder.Extract(pixels, 4, features, projections);
        Assert.InRange(EncoderTestData.MaxAbsDiff(LegacyEncoderFileTests.ReadFloats("legacy-checkpoint-v1.features.bin"), features), 0f, 1e-5f);
        Assert.InRange(EncoderTestData.MaxAbsDiff(LegacyEncoderFileTests.ReadFloats("legacy-checkpoint-v1.projections.bin"), projections), 0f, 1e-5f);
    }

    [Fact]
    public void The_online_encoder_of_a_new_checkpoint_is_the_trained_encoder()
    {
        string dir = Directory.CreateTempSubdirectory("mlnetmoco-ckpt-encoder").FullName;
        try
        {
            var data = TrainerTests.DistinctImages(32);
            using var result = TrainerTests.Run(data, TrainerTests.Small(epochs: 1) with { CheckpointDirectory = dir });
            using var encoder = CheckpointFile.ReadEncoder(Path.Combine(dir, "checkpoint-epoch0001.mlnmckpt"));
            Assert.Equal(result.Encoder.Description.Head, encoder.Description.Head);
            var pixels = new float[3 * 256];
            data.CopyImages([0, 1, 2], pixels);
            Assert.Equal(EncoderTestData.Extract(result.Encoder, pixels).Features, EncoderTestData.Extract(encoder, pixels).Features);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
