using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Optimization;

/// <summary>
/// SGD with momentum and weight decay, numerically the same as <c>torch.optim.SGD</c> (dampening 0, no Nesterov):
/// d = g + wd·θ; b ← μ·b + d (b = d on the first step); θ ← θ − lr·b. Its state (the momentum buffers) is exposed
/// by name so checkpoints can store and restore it exactly.
/// </summary>
public sealed class Sgd : IDisposable
{
    private readonly (string Name, Parameter Parameter)[] _parameters;
    private readonly Tensor?[] _buffers;

    /// <summary>Creates the optimizer over named parameters.</summary>
    /// <param name="parameters">Named parameters (names key the state in checkpoints).</param>
    /// <param name="momentum">Momentum μ (MoCo: 0.9).</param>
    /// <param name="weightDecay">L2 weight decay (MoCo: 1e-4).</param>
    public Sgd(IEnumerable<(string Name, Parameter Parameter)> parameters, double momentum, double weightDecay)
    {
        _parameters = parameters.Where(p => p.Parameter.requires_grad).ToArray();
        _buffers = new Tensor?[_parameters.Length];
        Momentum = momentum;
        WeightDecay = weightDecay;
    }

    /// <summary>Momentum μ.</summary>
    public double Momentum { get; }

    /// <summary>Weight decay.</summary>
    public double WeightDecay { get; }

    /// <summary>Learning rate of the next <see cref="Step"/>.</summary>
    public double LearningRate { get; set; }

    /// <summary>Sets every gradient to none.</summary>
    public void ZeroGrad()
    {
        foreach (var (_, p) in _parameters)
        {
            p.grad?.Dispose();
            p.grad = null;
        }
    }

    /// <summary>Applies one update to every parameter that has a gradient.</summary>
    public void Step()
    {
        using var noGrad = no_grad();
        for (int i = 0; i < _parameters.Length; i++)
        {
            var p = _parameters[i].Parameter;
            var grad = p.grad;
            if (grad is null) continue;
            using var d = WeightDecay != 0 ? grad.add(p, alpha: WeightDecay) : grad.alias();
            if (Momentum != 0)
            {
                // The buffer outlives the caller's per-step dispose scope.
                if (_buffers[i] is null) _buffers[i] = d.detach().clone().DetachFromDisposeScope();
                else _buffers[i]!.mul_(Momentum).add_(d);
                p.add_(_buffers[i]!, alpha: -LearningRate);
            }
            else
            {
                p.add_(d, alpha: -LearningRate);
            }
        }
    }

    /// <summary>The momentum buffers by parameter name (parameters that have not been stepped yet are absent).</summary>
    public IEnumerable<(string Name, Tensor Buffer)> State()
    {
        for (int i = 0; i < _parameters.Length; i++)
            if (_buffers[i] is { } b) yield return (_parameters[i].Name, b);
    }

    /// <summary>Restores momentum buffers saved by <see cref="State"/>; unknown names or wrong shapes throw.</summary>
    public void LoadState(IReadOnlyDictionary<string, Tensor> state)
    {
        var index = _parameters.Select((p, i) => (p.Name, i)).ToDictionary(t => t.Name, t => t.i);
        foreach (var (name, tensor) in state)
        {
            if (!index.TryGetValue(name, out int i))
                throw new InvalidDataException($"Optimizer state names parameter '{name}', which the model does not have.");
            var p = _parameters[i].Parameter;
            if (!tensor.shape.SequenceEqual(p.shape))
                throw new InvalidDataException($"Optimizer state of '{name}' has shape [{string.Join(",", tensor.shape)}], the parameter [{string.Join(",", p.shape)}].");
            var copy = tensor.to(p.device).clone().DetachFromDisposeScope();
            _buffers[i]?.Dispose();
            _buffers[i] = copy;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        for (int i = 0; i < _buffers.Length; i++)
        {
            _buffers[i]?.Dispose();
            _buffers[i] = null;
        }
    }
}
