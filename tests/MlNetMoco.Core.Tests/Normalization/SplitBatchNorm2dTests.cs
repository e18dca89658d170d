using MlNetMoco.Core.Normalization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Tests.Normalization;

public class SplitBatchNorm2dTests
{
    private const long Channels = 3;

    private static void CopyAffine(BatchNorm from, BatchNorm to)
    {
        using var noGrad = no_grad();
        to.weight.copy_(from.weight);
        to.bias!.copy_(from.bias!);
    }

    private static void RandomizeAffine(BatchNorm bn, Generator g)
    {
        using var noGrad = no_grad();
        bn.weight.copy_(rand(Channels, dtype: float64, generator: g) + 0.5);
        bn.bias!.copy_(randn(Channels, dtype: float64, generator: g));
    }

    private static void AssertClose(Tensor expected, Tensor actual, double tol = 1e-10)
    {
        Assert.Equal(expected.shape, actual.shape);
        double diff = (expected - actual).abs().max().item<double>();
        Assert.True(diff <= tol, $"max |difference| = {diff}");
    }

    [Fact]
    public void One_split_behaves_exactly_like_BatchNorm2d_in_train_and_eval_mode()
    {
        var g = new Generator(1);
        using var reference = nn.BatchNorm2d(Channels, dtype: float64);
        using var split = new SplitBatchNorm2d(Channels, 1, dtype: float64);
        RandomizeAffine(reference, g);
        CopyAffine(reference, split);

        for (int step = 0; step < 3; step++)
        {
            using var scope = NewDisposeScope();
            var x = randn(6, Channels, 4, 5, dtype: float64, generator: g) * 2 + 1;
            var w = randn(6, Channels, 4, 5, dtype: float64, generator: g);
            var xr = x.clone().requires_grad_();
            var xs = x.clone().requires_grad_();
            var yr = reference.call(xr);
            var ys = split.call(xs);
            AssertClose(yr, ys);
            (yr * w).sum().backward();
            (ys * w).sum().backward();
            AssertClose(xr.grad!, xs.grad!);
            AssertClose(reference.weight.grad!, split.weight.grad!);
            AssertClose(reference.bias!.grad!, split.bias!.grad!);
            AssertClose(reference.running_mean!, split.running_mean!);
            AssertClose(reference.running_var!, split.running_var!);
            Assert.Equal(reference.num_batches_tracked!.ToInt64(), split.num_batches_tracked!.ToInt64());
        }
        Assert.Equal(3, split.num_batches_tracked!.ToInt64());

        reference.eval();
        split.eval();
        using var xe = randn(5, Channels, 3, 3, dtype: float64, generator: g);
        AssertClose(reference.call(xe), split.call(xe));
        AssertClose(reference.running_mean!, split.running_mean!);
        Assert.Equal(3, split.num_batches_tracked!.ToInt64());
    }

    [Fact]
    public void Training_with_splits_equals_BatchNorm2d_applied_to_each_interleaved_sub_batch()
    {
        const int s = 4;
        const int n = 8;
        var g = new Generator(2);
        using var split = new SplitBatchNorm2d(Channels, s, dtype: float64);
        RandomizeAffine(split, g);
        var references = Enumerable.Range(0, s).Select(_ => nn.BatchNorm2d(Channels, dtype: float64)).ToArray();
        foreach (var r in references) CopyAffine(split, r);

        for (int step = 0; step < 2; step++)
        {
            using var scope = NewDisposeScope();
            split.zero_grad();
            foreach (var r in references) r.zero_grad();
            var x = randn(n, Channels, 3, 4, dtype: float64, generator: g) * 3 - 1;
            var w = randn(n, Channels, 3, 4, dtype: float64, generator: g);

            var xs = x.clone().requires_grad_();
            var ys = split.call(xs);
            (ys * w).sum().backward();

            // Sub-batch k holds samples k, k+S, k+2S, … (the (N/S)×(C·S)×H×W view of facebookresearch's SplitBatchNorm).
            var xr = x.clone().requires_grad_();
            var expected = zeros_like(x);
            Tensor loss = zeros(1, dtype: float64);
            for (int k = 0; k < s; k++)
            {
                var index = arange(k, n, s, dtype: int64);
                var yk = references[k].call(xr.index_select(0, index));
                expected.index_copy_(0, index, yk.detach());
                loss = loss + (yk * w.index_select(0, index)).sum();
            }
            loss.backward();

            AssertClose(expected, ys.detach());
            AssertClose(xr.grad!, xs.grad!);
            AssertClose(references.Select(r => r.weight.grad!).Aggregate((a, b) => a + b), split.weight.grad!);
            AssertClose(references.Select(r => r.bias!.grad!).Aggregate((a, b) => a + b), split.bias!.grad!);
            // The running statistics update is linear, so the shared buffers are the mean of the sub-batch ones.
            AssertClose(stack(references.Select(r => r.running_mean!)).mean([0L]), split.running_mean!);
            AssertClose(stack(references.Select(r => r.running_var!)).mean([0L]), split.running_var!);
            Assert.Equal(step + 1, split.num_batches_tracked!.ToInt64());
        }
        foreach (var r in references) r.Dispose();
    }

    [Fact]
    public void Eval_mode_is_plain_batch_norm_with_the_shared_statistics_and_any_batch_size()
    {
        var g = new Generator(3);
        using var split = new SplitBatchNorm2d(Channels, 4, dtype: float64);
        RandomizeAffine(split, g);
        using (var x = randn(8, Channels, 2, 2, dtype: float64, generator: g) * 2 + 3)
            split.call(x).Dispose();
        Assert.True(split.running_mean!.abs().sum().item<double>() > 0);

        using var reference = nn.BatchNorm2d(Channels, dtype: float64);
        reference.load_state_dict(split.state_dict());
        split.eval();
        reference.eval();
        using var xe = randn(3, Channels, 2, 2, dtype: float64, generator: g); // 3 is not a multiple of 4
        AssertClose(reference.call(xe), split.call(xe));
    }

    [Fact]
    public void Training_batch_not_divisible_by_the_splits_is_rejected_clearly()
    {
        using var split = new SplitBatchNorm2d(Channels, 4);
        using var x = randn(6, Channels, 2, 2);
        var e = Assert.Throws<ArgumentException>(() => split.call(x));
        Assert.Contains("divisible", e.Message);
        Assert.Contains("6", e.Message);
        Assert.Contains("4", e.Message);
        Assert.Equal(0, split.num_batches_tracked!.ToInt64());
    }

    [Fact]
    public void Inputs_of_the_wrong_rank_or_width_are_rejected()
    {
        using var split = new SplitBatchNorm2d(Channels, 2);
        using var flat = randn(4, Channels);
        using var wide = randn(4, Channels + 1, 2, 2);
        Assert.Contains("4-D", Assert.Throws<ArgumentException>(() => split.call(flat)).Message);
        Assert.Contains("channels", Assert.Throws<ArgumentException>(() => split.call(wide)).Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-2)]
    public void Fewer_than_one_split_is_rejected(int splits)
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => new SplitBatchNorm2d(Channels, splits));
        Assert.Contains("splits", e.Message);
    }

    [Fact]
    public void State_names_match_BatchNorm2d_so_checkpoints_interoperate()
    {
        using var split = new SplitBatchNorm2d(Channels, 8);
        using var plain = nn.BatchNorm2d(Channels);
        var expected = new[] { "weight", "bias", "running_mean", "running_var", "num_batches_tracked" };
        Assert.Equal(expected.Order(), split.state_dict().Keys.Order());
        Assert.Equal(plain.state_dict().Keys.Order(), split.state_dict().Keys.Order());
        Assert.Equal(new[] { "weight", "bias" }, split.named_parameters().Select(p => p.name));

        using (no_grad()) split.running_mean!.fill_(0.25);
        plain.load_state_dict(split.state_dict());
        Assert.Equal(0.25f, plain.running_mean![1].item<float>());
        split.load_state_dict(nn.BatchNorm2d(Channels).state_dict());
        Assert.Equal(0f, split.running_mean![1].item<float>());
    }

    [Fact]
    public void Create_gives_a_SplitBatchNorm2d_with_that_many_splits()
    {
        using var one = SplitBatchNorm2d.Create(5, 1);
        using var many = SplitBatchNorm2d.Create(5, 4);
        Assert.Equal(1, Assert.IsType<SplitBatchNorm2d>(one).NumSplits);
        Assert.Equal(4, Assert.IsType<SplitBatchNorm2d>(many).NumSplits);
        Assert.Equal(5, many.num_features);
    }

    [Fact]
    public void One_split_trains_exactly_like_BatchNorm2d()
    {
        using var split = new SplitBatchNorm2d(Channels, 1);
        using var plain = nn.BatchNorm2d(Channels);
        manual_seed(3);
        using (no_grad())
        {
            split.weight!.uniform_(0.5, 1.5);
            plain.weight!.copy_(split.weight);
        }
        for (int step = 0; step < 3; step++)
        {
            using var scope = NewDisposeScope();
            var x = randn(6, Channels, 3, 3);
            var a = x.detach().requires_grad_(true);
            var b = x.detach().requires_grad_(true);
            var ya = split.call(a);
            var yb = plain.call(b);
            (ya * ya.detach()).sum().backward();
            (yb * yb.detach()).sum().backward();
            Assert.True(ya.allclose(yb, rtol: 1e-5, atol: 1e-6), $"outputs differ at step {step}");
            Assert.True(a.grad!.allclose(b.grad!, rtol: 1e-4, atol: 1e-5), $"input gradients differ at step {step}");
        }
        Assert.True(split.running_mean!.allclose(plain.running_mean!));
        Assert.True(split.running_var!.allclose(plain.running_var!));
        Assert.Equal(plain.num_batches_tracked!.item<long>(), split.num_batches_tracked!.item<long>());
        Assert.True(split.weight!.grad!.allclose(plain.weight!.grad!, rtol: 1e-4, atol: 1e-5));
    }
}
