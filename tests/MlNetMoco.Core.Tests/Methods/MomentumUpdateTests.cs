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
    public void Networks_of_different_shape_are_rejected()
    {
        using var a = nn.Linear(3, 2);
        using var b = nn.Linear(4, 2);
        Assert.Throws<ArgumentException>(() => MomentumUpdate.Apply(a, b, 0.5));
    }
}
