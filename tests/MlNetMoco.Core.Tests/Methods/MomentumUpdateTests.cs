using MlNetMoco.Core.Methods;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Tests.Methods;

public class MomentumUpdateTests
{
    [Fact]
    public void Update_matches_the_formula_and_initialize_copies_and_freezes()
    {
        torch.manual_seed(5);
        using var source = nn.Linear(3, 2);
        using var target = nn.Linear(3, 2);
        MomentumUpdate.Initialize(target, source);
        Assert.True(target.weight!.allclose(source.weight!, 0, 0));
        Assert.False(target.weight!.requires_grad);

        using (no_grad()) source.weight!.add_(1.0);
        using var before = target.weight!.clone();
        MomentumUpdate.Apply(target, source, 0.9);
        using var expected = before * 0.9 + source.weight! * 0.1;
        Assert.True(target.weight!.allclose(expected, 1e-6, 1e-6));
    }

    [Fact]
    public void Momentum_one_keeps_the_target_and_momentum_zero_copies_the_source_exactly()
    {
        torch.manual_seed(6);
        using var source = nn.Linear(5, 4);
        using var target = nn.Linear(5, 4);
        var pairs = MomentumUpdate.Pairs(target, source);
        using var before = target.weight!.clone();
        MomentumUpdate.Apply(pairs, 1.0);
        Assert.True(target.weight!.equal(before).all().item<bool>(), "m = 1 changed the target");
        MomentumUpdate.Apply(pairs, 0.0);
        Assert.True(target.weight!.equal(source.weight!).all().item<bool>(), "m = 0 did not copy the source exactly");
        Assert.True(target.bias!.equal(source.bias!).all().item<bool>());
    }

    [Fact]
    public void Networks_of_different_shape_are_rejected()
    {
        using var a = nn.Linear(3, 2);
        using var b = nn.Linear(4, 2);
        Assert.Throws<ArgumentException>(() => MomentumUpdate.Apply(a, b, 0.5));
    }
}
