using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Heads;
using MlNetMoco.Core.Methods;
using MlNetMoco.Core.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Tests.Methods;

/// <summary><see cref="MoCo.Step"/> on its own, against the definitions of He et al. 2019 (Algorithm 1).</summary>
public class MoCoTests
{
    private const int N = 4, K = 12, Dim = 8;
    private const double M = 0.9, T = 0.2;

    private static MoCo Build(bool exclude = true)
    {
        using var generator = new Generator(3);
        var moco = new MoCo(new BackboneSpec(BackboneKind.SmallConvNet, 1, BatchNormSplits: 2), HeadSpec.ForVersion(MoCoVersion.V2, 256, Dim), K, M, T, CPU,
            generator, excludeSameImageNegatives: exclude);
        moco.train();
        return moco;
    }

    private static MethodBatch Batch(int seed, long[] indices)
    {
        var g = new Generator((ulong)seed);
        var views = new[] { rand(new long[] { N, 1, 8, 8 }, generator: g), rand(new long[] { N, 1, 8, 8 }, generator: g) };
        return new MethodBatch(views, tensor(indices), null, new TrainingPosition(0, seed, 10, 1, seed), new Generator((ulong)seed + 50));
    }

    private static Dictionary<string, Tensor> Snapshot(nn.Module module) =>
        module.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());

    [Fact]
    public void Logits_are_N_by_1_plus_K_with_the_positive_first()
    {
        using var moco = Build();
        using var scope = NewDisposeScope();
        var q = nn.functional.normalize(randn(N, Dim), dim: 1);
        var k = nn.functional.normalize(randn(N, Dim), dim: 1);
        var logits = moco.Logits(q, k, tensor(new long[] { 0, 1, 2, 3 }));
        Assert.Equal(new long[] { N, 1 + K }, logits.shape);
        Assert.True(logits.select(1, 0).allclose((q * k).sum(1) / T, 1e-5, 1e-6));
        Assert.True(logits.narrow(1, 1, K).allclose(q.mm(moco.Queue.Keys) / T, 1e-5, 1e-6));
    }

    [Fact]
    public void The_keys_of_the_current_batch_are_not_among_its_negatives()
    {
        using var moco = Build();
        using var scope = NewDisposeScope();
        var batch = Batch(1, new long[] { 10, 11, 12, 13 });
        var queueBefore = moco.Queue.Keys.clone();
        var output = moco.Step(batch);

        // The batch's keys were enqueued: columns 0..N-1 of the queue, with their images' indices.
        var keys = moco.Queue.Keys.narrow(1, 0, N).t();
        Assert.Equal(new long[] { 10, 11, 12, 13 }, moco.Queue.Indices.narrow(0, 0, N).data<long>().ToArray());
        Assert.Equal(N, moco.Queue.Pointer.item<long>());

        // Naive per-sample InfoNCE (Eq. 1) against the queue as it was before the step equals the step's loss ...
        var q = nn.functional.normalize(moco.OnlineEncoder.call(batch.Views[0]), dim: 1).detach();
        double naive = 0;
        for (int i = 0; i < N; i++)
        {
            var positive = (q[i] * keys[i]).sum().item<float>() / T;
            var negatives = q[i].unsqueeze(0).mm(queueBefore).squeeze(0) / T;
            var all = cat([tensor(new[] { (float)positive }), negatives], 0).to(ScalarType.Float64);
            naive += -(all[0] - all.logsumexp(0)).item<double>();
        }
        Assert.Equal(naive / N, output.Loss.item<float>(), 4);

        // ... and differs from the loss against the queue that holds them (each key would meet itself as a negative).
        var withOwnKeys = cat([(q * keys).sum(1, keepdim: true), q.mm(moco.Queue.Keys)], 1) / T;
        double ownKeysLoss = nn.functional.cross_entropy(withOwnKeys, zeros(N, ScalarType.Int64)).item<float>();
        Assert.True(Math.Abs(ownKeysLoss - output.Loss.item<float>()) > 1e-3, $"{ownKeysLoss} vs {output.Loss.item<float>()}");
        Assert.Equal(new long[] { N, Dim }, output.Embeddings!.shape);
        Assert.InRange(output.Accuracy, 0, 1);
    }

    [Fact]
    public void The_key_encoder_gets_no_gradient_and_follows_the_moving_average()
    {
        using var moco = Build();
        var k0 = Snapshot(moco.KeyEncoder);
        var q0 = Snapshot(moco.OnlineEncoder);
        Assert.All(k0, kv => Assert.True(kv.Value.eq(q0[kv.Key]).all().item<bool>(), kv.Key)); // θk starts as θq

        // Move θq as an optimizer step would, then step: θk ← m·θk + (1−m)·θq.
        var output = moco.Step(Batch(1, new long[] { 0, 1, 2, 3 }));
        output.Loss.backward();
        Assert.All(moco.KeyEncoder.parameters(), p => { Assert.False(p.requires_grad); Assert.Null(p.grad); });
        Assert.All(moco.OnlineEncoder.parameters(), p => Assert.NotNull(p.grad));
        using (no_grad()) foreach (var p in moco.OnlineEncoder.parameters()) p.sub_(p.grad!.mul(0.5));
        var q1 = Snapshot(moco.OnlineEncoder);
        var k1 = Snapshot(moco.KeyEncoder);
        moco.Step(Batch(2, new long[] { 4, 5, 6, 7 }));
        foreach (var (name, p) in moco.KeyEncoder.named_parameters())
        {
            using var expected = k1[name] * M + q1[name] * (1 - M);
            Assert.True(p.allclose(expected, 1e-6, 1e-7), name);
        }
        Assert.Single(moco.TrainableParameters());
        Assert.All(moco.TrainableParameters()[0].Parameters, p => Assert.StartsWith("encoder_q.", p.Name));
    }

    [Fact]
    public void A_query_never_meets_its_own_stale_key_as_a_negative()
    {
        using var moco = Build(exclude: true);
        using var plain = Build(exclude: false);
        using var scope = NewDisposeScope();
        var first = Batch(1, new long[] { 0, 1, 2, 3 });
        moco.Step(first);
        plain.Step(first);
        // The same images again (a later epoch): each query's key from the first step is in the queue.
        var q = nn.functional.normalize(randn(N, Dim), dim: 1);
        var k = nn.functional.normalize(randn(N, Dim), dim: 1);
        var indices = tensor(new long[] { 0, 1, 2, 3 });
        var masked = moco.Logits(q, k, indices);
        var unmasked = plain.Logits(q, k, indices);
        for (int i = 0; i < N; i++)
        {
            var row = masked[i].narrow(0, 1, K);
            Assert.Equal(1, row.isinf().sum().item<long>());                  // exactly its own key is left out
            Assert.True(float.IsNegativeInfinity(row[i].item<float>()));       // column i holds image i's key
            Assert.False(unmasked[i].isinf().any().item<bool>());
        }
        Assert.True(float.IsFinite(nn.functional.cross_entropy(masked, zeros(N, ScalarType.Int64)).item<float>()));
    }

    [Fact]
    public void State_is_the_module_state_dict_with_facebookresearch_names()
    {
        using var moco = Build();
        var names = moco.state_dict().Keys.ToList();
        Assert.Contains("queue", names);
        Assert.Contains("queue_ptr", names);
        Assert.Contains("queue_idx", names);
        Assert.Contains("encoder_q.fc.0.weight", names);
        Assert.Contains("encoder_k.fc.2.bias", names);
        Assert.Equal(new long[] { Dim, K }, moco.state_dict()["queue"].shape);
        Assert.Equal("encoder_q.", moco.OnlineEncoderPrefix);
    }
}
