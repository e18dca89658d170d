using MlNetMoco.Core.Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Tests.Onnx;

public class BatchNormFoldingTests
{
    [Theory]
    [InlineData(true, 1)]
    [InlineData(false, 2)]
    public void Folded_conv_equals_conv_then_eval_batch_norm(bool withConvBias, int groups)
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        using var g = new Generator(5);
        const int cin = 4, cout = 6;
        const double eps = 1e-3;
        var x = torch.randn(new long[] { 2, cin, 7, 9 }, generator: g);
        var w = torch.randn(new long[] { cout, cin / groups, 3, 3 }, generator: g) * 0.3;
        Tensor? b = withConvBias ? torch.randn(new long[] { cout }, generator: g) : null;
        var gamma = torch.rand(new long[] { cout }, generator: g) + 0.5;
        var beta = torch.randn(new long[] { cout }, generator: g);
        var mean = torch.randn(new long[] { cout }, generator: g);
        var variance = torch.rand(new long[] { cout }, generator: g) * 2 + 0.1;

        var expected = nn.functional.batch_norm(
            nn.functional.conv2d(x, w, b, strides: [2, 1], padding: [1, 1], groups: groups),
            mean, variance, gamma, beta, training: false, eps: eps);

        FoldedConvolution folded = BatchNormFolding.Fold(w, b, gamma, beta, mean, variance, eps);
        Assert.Equal(w.numel(), folded.Weight.Length);
        Assert.Equal(cout, folded.Bias.Length);
        var actual = nn.functional.conv2d(x, torch.tensor(folded.Weight, w.shape), torch.tensor(folded.Bias),
            strides: [2, 1], padding: [1, 1], groups: groups);

        double maxDiff = (actual - expected).abs().max().item<float>();
        Assert.True(maxDiff <= 1e-4, $"max |Δ| = {maxDiff}");
    }

    [Fact]
    public void Module_overload_matches_eval_mode_conv_and_batch_norm_modules()
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        using var g = new Generator(9);
        using var conv = nn.Conv2d(3, 4, kernel_size: 3, stride: 2, padding: 1, bias: false);
        using var bn = nn.BatchNorm2d(4, eps: 1e-5);
        bn.running_mean!.copy_(torch.randn(new long[] { 4 }, generator: g));
        bn.running_var!.copy_(torch.rand(new long[] { 4 }, generator: g) + 0.5);
        bn.weight!.copy_(torch.rand(new long[] { 4 }, generator: g) + 0.5);
        bn.bias!.copy_(torch.randn(new long[] { 4 }, generator: g));
        conv.eval();
        bn.eval();
        var x = torch.randn(new long[] { 2, 3, 8, 8 }, generator: g);

        var expected = bn.call(conv.call(x));
        FoldedConvolution folded = BatchNormFolding.Fold(conv, bn);
        var actual = nn.functional.conv2d(x, torch.tensor(folded.Weight, conv.weight!.shape), torch.tensor(folded.Bias),
            strides: conv.stride, padding: conv.padding, dilation: conv.dilation, groups: conv.groups);

        double maxDiff = (actual - expected).abs().max().item<float>();
        Assert.True(maxDiff <= 1e-4, $"max |Δ| = {maxDiff}");
    }

    [Fact]
    public void Array_overload_applies_the_formula_per_output_channel()
    {
        // Two output channels of two weights each; ε = 1 makes √(var + ε) = 2 and 3, so the scales are 4/2 and 1.5/3.
        FoldedConvolution f = BatchNormFolding.Fold(
            new float[] { 1, 2, 3, 4 }, convBias: [1, -1], bnWeight: [4, 1.5f], bnBias: [0.5f, -0.5f],
            runningMean: [0.5f, 1], runningVar: [3, 8], eps: 1);
        Assert.Equal(new[] { 2f, 4f, 1.5f, 2f }, f.Weight);
        Assert.Equal(new[] { (1f - 0.5f) * 2f + 0.5f, (-1f - 1f) * 0.5f - 0.5f }, f.Bias);

        // No conv bias and a non-affine BN: b' = −μ/√(var + ε).
        FoldedConvolution plain = BatchNormFolding.Fold(new float[] { 2, 6 }, null, null, null, [1, 3], [3, 8], 1);
        Assert.Equal(new[] { 1f, 2f }, plain.Weight);
        Assert.Equal(new[] { -0.5f, -1f }, plain.Bias);
    }

    [Fact]
    public void Mismatched_lengths_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => BatchNormFolding.Fold(new float[5], null, null, null, [0, 0], [1, 1], 1e-5));
        Assert.Throws<ArgumentException>(() => BatchNormFolding.Fold(new float[4], [1], null, null, [0, 0], [1, 1], 1e-5));
    }
}
