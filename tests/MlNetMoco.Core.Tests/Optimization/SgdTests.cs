using MlNetMoco.Core.Optimization;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Tests.Optimization;

public class SgdTests
{
    [Fact]
    public void Matches_torch_optim_SGD_with_momentum_and_weight_decay()
    {
        torch.manual_seed(2);
        using var a = nn.Linear(4, 3);
        using var b = nn.Linear(4, 3);
        b.load_state_dict(a.state_dict());
        using var ours = new Sgd(a.named_parameters().Select(p => (p.name, p.parameter)), 0.9, 1e-2) { LearningRate = 0.1 };
        using var reference = optim.SGD(b.parameters(), 0.1, momentum: 0.9, weight_decay: 1e-2);
        for (int step = 0; step < 5; step++)
        {
            using var x = randn(8, 4);
            ours.ZeroGrad();
            a.call(x).pow(2).sum().backward();
            ours.Step();
            reference.zero_grad();
            b.call(x).pow(2).sum().backward();
            reference.step();
        }
        Assert.True(a.weight!.allclose(b.weight!, 1e-5, 1e-6));
        Assert.True(a.bias!.allclose(b.bias!, 1e-5, 1e-6));
    }

    [Fact]
    public void State_round_trips_and_rejects_unknown_names()
    {
        using var m = nn.Linear(2, 2);
        using var sgd = new Sgd(m.named_parameters().Select(p => (p.name, p.parameter)), 0.9, 0);
        Assert.Empty(sgd.State());
        using var x = ones(1, 2);
        m.call(x).sum().backward();
        sgd.Step();
        var state = sgd.State().ToDictionary(s => s.Name, s => s.Buffer);
        Assert.Equal(new[] { "bias", "weight" }, state.Keys.Order());
        sgd.LoadState(state);
        Assert.Throws<InvalidDataException>(() => sgd.LoadState(new Dictionary<string, Tensor> { ["nope"] = zeros(2) }));
    }
}
