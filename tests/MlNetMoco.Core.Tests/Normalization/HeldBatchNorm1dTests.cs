using MlNetMoco.Core.Normalization;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Tests.Normalization;

/// <summary><see cref="HeldBatchNorm1d"/> is TorchSharp's <c>nn.BatchNorm1d</c>, step for step, with torch's tensor names.</summary>
public class HeldBatchNorm1dTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void It_matches_BatchNorm1d_in_training_and_evaluation(bool affine)
    {
        using var scope = NewDisposeScope();
        using var ours = new HeldBatchNorm1d(5, affine);
        using var torchs = nn.BatchNorm1d(5, affine: affine);
        Assert.Equal(torchs.state_dict().Keys.Order(), ours.state_dict().Keys.Order());
        if (affine)
            using (no_grad())
                foreach (var (a, b) in ours.parameters().Zip(torchs.parameters()))
                {
                    var values = rand(a.shape, generator: new Generator(3));
                    a.copy_(values);
                    b.copy_(values);
                }
        var g = new Generator(11);
        for (int step = 0; step < 3; step++)
        {
            var x = randn(new long[] { 8, 5 }, generator: g);
            Assert.True(ours.call(x).allclose(torchs.call(x), rtol: 1e-5, atol: 1e-6), $"training step {step}");
        }
        Assert.True(ours.running_mean!.allclose(torchs.running_mean!) && ours.running_var!.allclose(torchs.running_var!));
        Assert.Equal(3L, ours.num_batches_tracked!.item<long>());
        ours.eval();
        torchs.eval();
        var y = randn(new long[] { 4, 5 }, generator: g);
        Assert.True(ours.call(y).allclose(torchs.call(y), rtol: 1e-5, atol: 1e-6));
        Assert.Throws<ArgumentException>(() => ours.call(randn(4, 6)));
    }
}
