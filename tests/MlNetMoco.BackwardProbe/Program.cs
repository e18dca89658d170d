using System.Globalization;
using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Devices;
using TorchSharp;

// usage: MlNetMoco.BackwardProbe KIND SMALL_STEM SPLITS CHANNELS SIDE BATCH
// Prints the oneDNN guard's decision on stderr, then "ok <loss>" on stdout after a forward and backward pass in
// training mode with finite gradients on every parameter; exit code 0. Any managed failure exits with 1.
if (args.Length != 6)
{
    Console.Error.WriteLine("usage: MlNetMoco.BackwardProbe KIND SMALL_STEM SPLITS CHANNELS SIDE BATCH");
    return 2;
}
var kind = Enum.Parse<BackboneKind>(args[0], ignoreCase: true);
bool smallStem = bool.Parse(args[1]);
int splits = int.Parse(args[2], CultureInfo.InvariantCulture);
int channels = int.Parse(args[3], CultureInfo.InvariantCulture);
int side = int.Parse(args[4], CultureInfo.InvariantCulture);
int batch = int.Parse(args[5], CultureInfo.InvariantCulture);

Console.Error.WriteLine(OneDnnGuard.Status.Message);
torch.manual_seed(0);
using var backbone = BackboneFactory.Create(new BackboneSpec(kind, channels, smallStem, splits));
backbone.train();
using var scope = torch.NewDisposeScope();
var input = torch.rand(batch, channels, side, side);
var features = backbone.call(input);
var loss = features.pow(2).mean();
loss.backward();
foreach (var (name, parameter) in backbone.named_parameters())
{
    if (parameter.grad is not { } grad || !torch.isfinite(grad).all().item<bool>())
    {
        Console.Error.WriteLine($"parameter {name} has no finite gradient");
        return 1;
    }
}
Console.WriteLine(FormattableString.Invariant($"ok {loss.item<float>():G6}"));
return 0;
