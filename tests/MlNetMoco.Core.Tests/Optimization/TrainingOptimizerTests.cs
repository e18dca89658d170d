using MlNetMoco.Core.Optimization;
using TorchSharp;
using Linear = TorchSharp.Modules.Linear;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Tests.Optimization;

/// <summary>
/// SGD and AdamW (torch.optim) and our LARS against the update formulas computed by hand in double precision, and
/// their state through a save/load (exact resume).
/// </summary>
public class TrainingOptimizerTests
{
    private static readonly double[] Rates = { 0.1, 0.05, 0.08, 0.02 };

    /// <summary>A linear layer (weight matrix and bias) and a fixed batch per step.</summary>
    private static Linear Model(int seed = 2)
    {
        torch.manual_seed(seed);
        return nn.Linear(4, 3);
    }

    private static void Backward(Linear model, int step)
    {
        using var scope = NewDisposeScope();
        var x = randn(new long[] { 8, 4 }, generator: new Generator((ulong)(100 + step)));
        model.call(x).sin().pow(2).sum().backward();
    }

    private static Dictionary<string, Tensor> Doubles(Linear model) =>
        model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().to(ScalarType.Float64).clone());

    private static void AssertClose(Linear model, Dictionary<string, Tensor> expected)
    {
        foreach (var (name, p) in model.named_parameters())
        {
            using var actual = p.detach().to(ScalarType.Float64);
            double diff = actual.sub(expected[name]).abs().max().item<double>();
            Assert.True(diff < 1e-6, $"{name} differs from the formula by {diff}");
        }
    }

    private static TrainingOptimizer Optimizer(Linear model, OptimizerOptions options, double biasScale = 1, double? biasDecay = null) =>
        TrainingOptimizer.Create(options,
        [
            new ParameterGroup("weights", [("weight", model.weight!)]),
            new ParameterGroup("biases", [("bias", model.bias!)]) { LearningRateScale = biasScale, WeightDecay = biasDecay },
        ]);

    [Fact]
    public void Sgd_follows_momentum_and_L2_weight_decay_with_group_scales()
    {
        using var model = Model();
        var options = new OptimizerOptions { Kind = OptimizerKind.Sgd, Momentum = 0.9, WeightDecay = 0.01 };
        using var optimizer = Optimizer(model, options, biasScale: 0.5, biasDecay: 0);
        var theta = Doubles(model);
        var buffers = new Dictionary<string, Tensor>();
        for (int step = 0; step < Rates.Length; step++)
        {
            optimizer.ZeroGrad();
            Backward(model, step);
            foreach (var (name, p) in model.named_parameters())
            {
                bool bias = name == "bias";
                double lr = Rates[step] * (bias ? 0.5 : 1), wd = bias ? 0 : 0.01;
                var d = p.grad!.to(ScalarType.Float64) + wd * theta[name];               // d = g + wd·θ
                buffers[name] = buffers.TryGetValue(name, out var b) ? 0.9 * b + d : d;  // b ← μ·b + d (b = d first)
                theta[name] = theta[name] - lr * buffers[name];                         // θ ← θ − lr·b
            }
            optimizer.SetLearningRate(Rates[step]);
            optimizer.Step();
            AssertClose(model, theta);
        }
        Assert.Equal(Rates[^1] * 0.5, optimizer.LearningRateOf(1), 12);
    }

    [Fact]
    public void AdamW_follows_decoupled_weight_decay_and_bias_corrected_moments()
    {
        using var model = Model();
        var options = new OptimizerOptions { Kind = OptimizerKind.AdamW, WeightDecay = 0.1, Beta1 = 0.9, Beta2 = 0.95, Epsilon = 1e-8 };
        using var optimizer = Optimizer(model, options);
        var theta = Doubles(model);
        var m = theta.ToDictionary(kv => kv.Key, kv => zeros_like(kv.Value));
        var v = theta.ToDictionary(kv => kv.Key, kv => zeros_like(kv.Value));
        for (int step = 0; step < Rates.Length; step++)
        {
            optimizer.ZeroGrad();
            Backward(model, step);
            int t = step + 1;
            double lr = Rates[step];
            foreach (var (name, p) in model.named_parameters())
            {
                var g = p.grad!.to(ScalarType.Float64);
                theta[name] = theta[name] * (1 - lr * 0.1);                              // θ ← θ·(1 − lr·wd)
                m[name] = 0.9 * m[name] + 0.1 * g;                                       // m ← β₁m + (1−β₁)g
                v[name] = 0.95 * v[name] + 0.05 * g * g;                                 // v ← β₂v + (1−β₂)g²
                var mHat = m[name] / (1 - Math.Pow(0.9, t));
                var vHat = v[name] / (1 - Math.Pow(0.95, t));
                theta[name] = theta[name] - lr * mHat / (vHat.sqrt() + 1e-8);            // θ ← θ − lr·m̂/(√v̂ + ε)
            }
            optimizer.SetLearningRate(lr);
            optimizer.Step();
            AssertClose(model, theta);
        }
    }

    [Fact]
    public void Lars_scales_weight_matrices_by_the_trust_ratio_and_leaves_biases_alone()
    {
        using var model = Model();
        var options = new OptimizerOptions { Kind = OptimizerKind.Lars, Momentum = 0.9, WeightDecay = 0.01, TrustCoefficient = 0.001 };
        using var optimizer = Optimizer(model, options);
        var theta = Doubles(model);
        var mu = theta.ToDictionary(kv => kv.Key, kv => zeros_like(kv.Value));
        for (int step = 0; step < Rates.Length; step++)
        {
            optimizer.ZeroGrad();
            Backward(model, step);
            foreach (var (name, p) in model.named_parameters())
            {
                var d = p.grad!.to(ScalarType.Float64);
                if (theta[name].ndim > 1)
                {
                    d = d + 0.01 * theta[name];                                                   // d = g + wd·θ
                    double trust = 0.001 * theta[name].norm().item<double>() / d.norm().item<double>();
                    d = d * trust;                                                                // d ← d·η‖θ‖/‖d‖
                }
                mu[name] = 0.9 * mu[name] + d;                                                    // μ ← m·μ + d
                theta[name] = theta[name] - Rates[step] * mu[name];                              // θ ← θ − lr·μ
            }
            optimizer.SetLearningRate(Rates[step]);
            optimizer.Step();
            AssertClose(model, theta);
        }
    }

    [Theory]
    [InlineData(OptimizerKind.Sgd)]
    [InlineData(OptimizerKind.AdamW)]
    [InlineData(OptimizerKind.Lars)]
    public void A_saved_state_makes_the_next_steps_bit_identical(OptimizerKind kind)
    {
        var options = new OptimizerOptions { Kind = kind, WeightDecay = 0.01 };
        using var a = Model();
        using var optimizerA = Optimizer(a, options);
        for (int step = 0; step < 2; step++)
        {
            optimizerA.ZeroGrad();
            Backward(a, step);
            optimizerA.SetLearningRate(Rates[step]);
            optimizerA.Step();
        }
        byte[] state = optimizerA.SaveState();

        using var b = Model(seed: 9);
        using (no_grad()) foreach (var (name, p) in b.named_parameters()) p.copy_(a.get_parameter(name)!);
        using var optimizerB = Optimizer(b, options);
        optimizerB.LoadState(state);
        foreach (var (model, optimizer) in new[] { (a, optimizerA), (b, optimizerB) })
            for (int step = 2; step < 4; step++)
            {
                optimizer.ZeroGrad();
                Backward(model, step);
                optimizer.SetLearningRate(Rates[step]);
                optimizer.Step();
            }
        Assert.True(a.weight!.eq(b.weight!).all().item<bool>());
        Assert.True(a.bias!.eq(b.bias!).all().item<bool>());
    }

    [Fact]
    public void A_state_for_other_parameters_or_another_algorithm_is_refused_by_name()
    {
        using var model = Model();
        using var sgd = Optimizer(model, new OptimizerOptions());
        byte[] state = sgd.SaveState();

        using var adamW = Optimizer(model, new OptimizerOptions { Kind = OptimizerKind.AdamW });
        Assert.Contains("of Sgd, this run uses AdamW", Assert.Throws<InvalidDataException>(() => adamW.LoadState(state)).Message);

        using var renamed = TrainingOptimizer.Create(new OptimizerOptions(), [new ParameterGroup("all", [("weight", model.weight!), ("bias", model.bias!)])]);
        var ex = Assert.Throws<InvalidDataException>(() => renamed.LoadState(state));
        Assert.Contains("'weights/weight'", ex.Message);
        Assert.Contains("'all/weight'", ex.Message);
        Assert.Throws<InvalidDataException>(() => sgd.LoadState(new byte[] { 1, 2, 3 }));
    }

    [Fact]
    public void Bad_groups_are_refused_before_training()
    {
        using var model = Model();
        Assert.Throws<ArgumentException>(() => TrainingOptimizer.Create(new OptimizerOptions(),
            [new ParameterGroup("a", [("weight", model.weight!)]), new ParameterGroup("b", [("weight", model.weight!)])]));
        Assert.Throws<ArgumentException>(() => TrainingOptimizer.Create(new OptimizerOptions(), []));
        var bad = Assert.Throws<ArgumentException>(() => TrainingOptimizer.Create(new OptimizerOptions { Momentum = 1.5 },
            [new ParameterGroup("a", [("weight", model.weight!)])]));
        Assert.Contains("Optimizer.Momentum", bad.Message);
    }

    [Fact]
    public void SplitDecay_puts_one_dimensional_parameters_in_a_group_without_weight_decay()
    {
        using var model = Model();
        var groups = ParameterGroup.SplitDecay("encoder", model.named_parameters().Select(p => (p.name, p.parameter)), 0.1).ToList();
        Assert.Equal(new[] { "encoder", "encoder.no-decay" }, groups.Select(g => g.Name));
        Assert.Equal("weight", groups[0].Parameters.Single().Name);
        Assert.Equal(0, groups[1].WeightDecay);
        Assert.All(groups, g => Assert.Equal(0.1, g.LearningRateScale));
    }
}
