using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Data;
using MlNetMoco.Core.Heads;
using MlNetMoco.Core.Methods;
using MlNetMoco.Core.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Tests.Methods;

/// <summary><see cref="EndToEnd"/> against the definition of the MoCo paper's end-to-end mechanism (He et al. 2019, Figure 2a).</summary>
public class EndToEndTests
{
    private const int N = 6, Dim = 8;
    private const double T = 0.2;

    private static EndToEnd Build()
    {
        using var generator = new Generator(5);
        var method = new EndToEnd(new BackboneSpec(BackboneKind.SmallConvNet, 1), HeadSpec.ForVersion(MoCoVersion.V2, 256, Dim), T, CPU, generator);
        method.train();
        return method;
    }

    private static MethodBatch Batch(int seed)
    {
        var g = new Generator((ulong)seed);
        var views = new[] { rand(new long[] { N, 1, 8, 8 }, generator: g), rand(new long[] { N, 1, 8, 8 }, generator: g) };
        return new MethodBatch(views, arange(N, ScalarType.Int64), null, new TrainingPosition(0, 0, 10, 1, 0), new Generator((ulong)seed + 9));
    }

    [Fact]
    public void The_loss_is_InfoNCE_with_the_other_keys_of_the_batch_as_negatives()
    {
        using var method = Build();
        using var scope = NewDisposeScope();
        var batch = Batch(1);
        var output = method.Step(batch);

        // Naive per-sample form: −log exp(qᵢ·kᵢ/T) / Σⱼ exp(qᵢ·kⱼ/T), j over the batch's N keys (recomputed in train
        // mode: BatchNorm uses the batch's statistics, the same as in the step).
        using var noGrad = no_grad();
        var q = nn.functional.normalize(method.OnlineEncoder.call(batch.Views[0]), dim: 1).to(ScalarType.Float64);
        var k = nn.functional.normalize(method.OnlineEncoder.call(batch.Views[1]), dim: 1).to(ScalarType.Float64);
        double naive = 0;
        for (int i = 0; i < N; i++)
        {
            var row = (q[i].unsqueeze(0) * k).sum(1) / T;
            naive += -(row[i] - row.logsumexp(0)).item<double>();
        }
        Assert.Equal(naive / N, output.Loss.item<float>(), 4);
        Assert.InRange(output.Accuracy, 0, 1);
    }

    [Fact]
    public void Gradients_reach_the_encoder_through_queries_and_keys()
    {
        using var method = Build();
        using var scope = NewDisposeScope();
        var batch = Batch(2);
        var views = new[] { batch.Views[0].requires_grad_(true), batch.Views[1].requires_grad_(true) };
        var output = method.Step(batch with { Views = views });
        output.Loss.backward();
        Assert.True(views[0].grad is { } g0 && g0.abs().sum().item<float>() > 0, "no gradient through the queries");
        Assert.True(views[1].grad is { } g1 && g1.abs().sum().item<float>() > 0, "no gradient through the keys (end-to-end back-propagates into them)");
        Assert.All(method.OnlineEncoder.parameters(), p => Assert.NotNull(p.grad));
    }

    [Fact]
    public void It_trains_in_the_loop_and_its_options_round_trip_through_json()
    {
        var options = new TrainingOptions
        {
            Method = new EndToEndMethodOptions { ProjectionDim = 16, Temperature = 0.3 },
            Backbone = new BackboneSpec(BackboneKind.SmallConvNet, 1), Epochs = 1, BatchSize = 8, Device = "cpu",
        };
        var images = new InMemoryImageDataset(new ImageShape(1, 12, 12));
        var random = new Random(0);
        for (int i = 0; i < 24; i++) images.Add(Enumerable.Range(0, 144).Select(_ => (float)random.NextDouble()).ToArray());
        var lines = new List<string>();
        using var result = new Trainer(options) { Log = lines.Add }.Run(images);
        Assert.All(result.History, p => Assert.True(double.IsFinite(p.Loss)));
        Assert.Contains(lines, l => l.Contains("K = 7 negatives"));
        Assert.Equal(options.Method, TrainingOptionsJson.Deserialize(TrainingOptionsJson.Serialize(options)).Method);
    }
}
