using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Tests.Devices;

public class TorchSmokeTests
{
    [Fact]
    public void A_few_SGD_steps_reduce_the_loss_of_a_small_module()
    {
        torch.manual_seed(1);
        using var model = nn.Sequential(("fc1", nn.Linear(4, 16)), ("act", nn.ReLU()), ("fc2", nn.Linear(16, 1)));
        using var optimizer = optim.SGD(model.parameters(), 0.05);
        using var x = torch.randn(64, 4);
        using var y = (x.sum(1, keepdim: true) * 0.5).detach();

        float Step()
        {
            using var scope = torch.NewDisposeScope();
            optimizer.zero_grad();
            var loss = nn.functional.mse_loss(model.call(x), y);
            loss.backward();
            optimizer.step();
            return loss.item<float>();
        }

        float first = Step();
        float last = first;
        for (int i = 0; i < 50; i++) last = Step();
        Assert.True(last < first * 0.5f, $"loss went from {first} to {last}");
    }
}
