using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Data;
using MlNetMoco.Core.Heads;
using MlNetMoco.Core.Methods;
using MlNetMoco.Core.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Tests.Methods;

/// <summary><see cref="MemoryBank"/> against InstDisc's definitions (Wu et al. 2018) as the MoCo paper uses them (Figure 2b).</summary>
public class MemoryBankTests
{
    private const int N = 4, Images = 20, K = 9, Dim = 8;
    private const double M = 0.5, T = 0.2;

    private static MemoryBank Build(int negatives = K)
    {
        using var generator = new Generator(7);
        var method = new MemoryBank(new BackboneSpec(BackboneKind.SmallConvNet, 1), HeadSpec.ForVersion(MoCoVersion.V2, 256, Dim), Images, negatives, M, T, CPU, generator);
        method.train();
        return method;
    }

    private static MethodBatch Batch(int seed, long[] indices)
    {
        var g = new Generator((ulong)seed);
        return new MethodBatch([rand(new long[] { N, 1, 8, 8 }, generator: g)], tensor(indices), null, new TrainingPosition(0, 0, 5, 1, 0), new Generator((ulong)seed + 3));
    }

    [Fact]
    public void The_bank_holds_one_unit_vector_per_image_and_is_saved_with_the_method()
    {
        using var method = Build();
        Assert.Equal(new long[] { Images, Dim }, method.Memory.shape);
        Assert.True(method.Memory.norm(1).allclose(ones(Images), 1e-5, 1e-5));
        Assert.Contains(method.state_dict().Keys, k => k == "memory");
        Assert.DoesNotContain(method.parameters(), p => p.Handle == method.Memory.Handle);
    }

    [Fact]
    public void The_loss_uses_the_own_bank_entry_as_positive_and_drawn_entries_as_negatives_then_the_entries_move_with_momentum()
    {
        using var method = Build();
        using var scope = NewDisposeScope();
        long[] indices = [3, 7, 11, 19];
        var batch = Batch(1, indices);
        var bankBefore = method.Memory.clone();
        // The step draws its negatives from its generator: replay the draw with a copy of the same seed.
        var drawn = randint(0, Images, new long[] { K }, dtype: ScalarType.Int64, generator: new Generator(1 + 3));
        var output = method.Step(batch);

        using (no_grad())
        {
            var q = nn.functional.normalize(method.OnlineEncoder.call(batch.Views[0]), dim: 1);
            double naive = 0;
            for (int i = 0; i < N; i++)
            {
                var terms = new List<double> { (q[i] * bankBefore[indices[i]]).sum().item<float>() / T };
                foreach (long j in drawn.data<long>())
                    if (j != indices[i]) terms.Add((q[i] * bankBefore[j]).sum().item<float>() / T);   // its own entry is masked
                double max = terms.Max();
                naive += -(terms[0] - (max + Math.Log(terms.Sum(t => Math.Exp(t - max)))));
            }
            Assert.Equal(naive / N, output.Loss.item<float>(), 4);

            // θᵢ ← normalise(m·θᵢ + (1−m)·qᵢ) for the batch's images, the others unchanged.
            for (int i = 0; i < N; i++)
            {
                var expected = nn.functional.normalize((M * bankBefore[indices[i]] + (1 - M) * q[i]).unsqueeze(0), dim: 1).squeeze(0);
                Assert.True(method.Memory[indices[i]].allclose(expected, 1e-4, 1e-5), $"entry {indices[i]}");
            }
            Assert.True(method.Memory[0].allclose(bankBefore[0]));
        }
    }

    [Fact]
    public void No_gradient_reaches_the_bank()
    {
        using var method = Build();
        using var scope = NewDisposeScope();
        var output = method.Step(Batch(2, [0, 1, 2, 3]));
        output.Loss.backward();
        Assert.False(method.Memory.requires_grad);
        Assert.All(method.OnlineEncoder.parameters(), p => Assert.NotNull(p.grad));
    }

    [Fact]
    public void It_trains_in_the_loop_and_bad_settings_are_named()
    {
        var images = new InMemoryImageDataset(new ImageShape(1, 12, 12));
        var random = new Random(0);
        for (int i = 0; i < 24; i++) images.Add(Enumerable.Range(0, 144).Select(_ => (float)random.NextDouble()).ToArray());
        var options = new TrainingOptions
        {
            Method = new MemoryBankMethodOptions { ProjectionDim = 16, Negatives = 32 },
            Backbone = new BackboneSpec(BackboneKind.SmallConvNet, 1), Epochs = 2, BatchSize = 8, Device = "cpu",
        };
        using var result = new Trainer(options).Run(images);
        Assert.Equal(2, result.History.Count(p => p.EndOfEpoch));
        Assert.All(result.History, p => Assert.True(double.IsFinite(p.Loss)));

        var error = Assert.Throws<ArgumentException>(() => new Trainer(options with { Method = new MemoryBankMethodOptions { BankMomentum = 1 } }).Run(images));
        Assert.Contains("Method.BankMomentum", error.Message);
    }
}
