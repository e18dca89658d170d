using System.Text;
using MlNetMoco.Core.Heads;
using MlNetMoco.Core.Inference;
using MlNetMoco.Core.Methods;

namespace MlNetMoco.Core.Tests.Inference;

/// <summary>
/// Encoder files written by MlNetMoco 0.1.0 (encoder format 1, head named by its MoCo version) still load and give
/// the same features. The resource was written by that version's code together with the features and projections it
/// computed on four seeded images (Resources/Legacy).
/// </summary>
public class LegacyEncoderFileTests
{
    internal static string Resource(string name) => Path.Combine(AppContext.BaseDirectory, "Resources", "Legacy", name);

    internal static float[] ReadFloats(string name)
    {
        var bytes = File.ReadAllBytes(Resource(name));
        var values = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
        return values;
    }

    [Fact]
    public void A_version_1_encoder_file_with_a_v2_head_loads_and_gives_the_features_it_gave_when_written()
    {
        using var stream = File.OpenRead(Resource("legacy-encoder-v2head.mlnetmoco"));
        using var encoder = TrainedEncoder.Load(stream, "cpu");
        Assert.Equal(new MlNetMoco.Core.Data.ImageShape(1, 8, 8), encoder.InputShape);
        Assert.Equal(16, encoder.ProjectionDim);
        Assert.Equal("MoCo v2", encoder.Description.Metadata["method"]);

        var pixels = EncoderTestData.Images(4);
        var (features, projections) = EncoderTestData.Extract(encoder, pixels);
        // Same weights, same graph: equal up to the rounding of the CPU's kernels (which depend on the instruction set).
        Assert.InRange(EncoderTestData.MaxAbsDiff(ReadFloats("legacy-encoder-v2head.features.bin"), features), 0f, 1e-5f);
        Assert.InRange(EncoderTestData.MaxAbsDiff(ReadFloats("legacy-encoder-v2head.projections.bin"), projections), 0f, 1e-5f);
    }

    [Fact]
    public void The_legacy_file_describes_its_head_by_version_and_is_read_as_blocks()
    {
        byte[] bytes = File.ReadAllBytes(Resource("legacy-encoder-v2head.mlnetmoco"));
        Assert.Equal(1, BitConverter.ToInt32(bytes, 13));
        string json = Encoding.UTF8.GetString(bytes, 21, BitConverter.ToInt32(bytes, 17));
        Assert.Contains("\"Head\":\"V2\",\"ProjectionDim\":16", json);

        var description = EncoderDescription.FromJson(json);
        Assert.Equal(HeadSpec.Mlp(256, 256, 16), description.Head);
        Assert.Equal(16, description.ProjectionDim);
    }

    [Fact]
    public void A_version_1_file_with_a_v1_head_loads_as_a_single_linear_layer()
    {
        // The legacy description text with "V1", over the tensors of a linear head of the same size, in format 1.
        byte[] legacy = File.ReadAllBytes(Resource("legacy-encoder-v2head.mlnetmoco"));
        string json = Encoding.UTF8.GetString(legacy, 21, BitConverter.ToInt32(legacy, 17)).Replace("\"Head\":\"V2\"", "\"Head\":\"V1\"");
        using var v1 = EncoderTestData.Encoder(head: MoCoVersion.V1, projectionDim: 16);
        byte[] saved = EncoderTestData.Saved(v1);
        int jsonLength = BitConverter.ToInt32(saved, 17);
        using var stream = new MemoryStream();
        stream.Write(saved, 0, 13);
        stream.Write(BitConverter.GetBytes(1));
        byte[] text = Encoding.UTF8.GetBytes(json);
        stream.Write(BitConverter.GetBytes(text.Length));
        stream.Write(text);
        stream.Write(saved, 21 + jsonLength, saved.Length - 21 - jsonLength);

        stream.Position = 0;
        using var loaded = TrainedEncoder.Load(stream, "cpu");
        Assert.Equal(HeadSpec.Linear(256, 16), loaded.Description.Head);
        var pixels = EncoderTestData.Images(3);
        Assert.Equal(EncoderTestData.Extract(v1, pixels).Projections, EncoderTestData.Extract(loaded, pixels).Projections);
    }

    [Fact]
    public void An_unknown_version_name_is_refused_clearly()
    {
        string json = EncoderTestData.Description().ToJson();
        int start = json.IndexOf("\"Head\":", StringComparison.Ordinal);
        int end = json.IndexOf("\"InputShape\"", StringComparison.Ordinal);
        string legacy = json[..start] + "\"Head\":\"V7\",\"ProjectionDim\":16," + json[end..];
        var ex = Assert.Throws<InvalidDataException>(() => EncoderDescription.FromJson(legacy));
        Assert.Contains("'V7'", ex.Message);
    }
}
