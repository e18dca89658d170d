using System.Reflection;
using System.Reflection.Emit;
using TorchSharp;

namespace MlNetMoco.Core.Tests;

/// <summary>
/// The per-step code passes no number to a tensor op through a temporary <see cref="Scalar"/> (which may be
/// finalised during the native call that reads it; see <c>HeldScalars</c>): the IL of every method in those
/// namespaces is scanned for calls to <c>Scalar.op_Implicit</c> and to TorchSharp methods that create a Scalar
/// themselves (up to two calls deep inside TorchSharp: <c>a + b</c>, <c>add_(x)</c>, <c>x * 2.0</c>, <c>ToInt64()</c>).
/// Modules called through <c>Module.call</c> are not followed: TorchSharp's own <c>BatchNorm.forward</c> makes one
/// in training mode (<c>num_batches_tracked.add_(1)</c>), which this project cannot change.
/// </summary>
public class HeldScalarsTests
{
    private static readonly string[] PerStepNamespaces =
    [
        "MlNetMoco.Core.Augmentations", "MlNetMoco.Core.Backbones", "MlNetMoco.Core.Heads", "MlNetMoco.Core.Losses",
        "MlNetMoco.Core.Methods", "MlNetMoco.Core.Normalization", "MlNetMoco.Core.Optimization", "MlNetMoco.Core.Training",
    ];

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    [Fact]
    public void No_per_step_method_converts_a_number_to_a_temporary_Scalar()
    {
        var assembly = typeof(MlNetMoco.Core.Training.Trainer).Assembly;
        var offenders = new List<string>();
        int scanned = 0;
        foreach (var type in assembly.GetTypes().Where(t => PerStepNamespaces.Contains(Outermost(t).Namespace)))
        {
            const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            foreach (MethodBase method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
            {
                scanned++;
                foreach (var callee in Callees(method))
                    if (IsTemporaryScalar(callee))
                        offenders.Add($"{type.FullName}.{method.Name} calls {callee.DeclaringType!.Name}.{callee.Name}({string.Join(", ", callee.GetParameters().Select(p => p.ParameterType.Name))})");
            }
        }
        Assert.True(scanned > 100, $"only {scanned} methods scanned");
        Assert.True(offenders.Count == 0, "Temporary Scalars (hold a Scalar instead):\n" + string.Join("\n", offenders.Distinct()));
    }

    [Theory]
    [InlineData(nameof(ImplicitlyConverting))]
    [InlineData(nameof(AddingWithoutAlpha))]
    [InlineData(nameof(ReadingALong))]
    public void The_scan_finds_each_kind_of_temporary(string name)
    {
        // Guards against a scan that looks at nothing: each of these methods makes a temporary Scalar.
        var method = typeof(HeldScalarsTests).GetMethod(name, BindingFlags.NonPublic | BindingFlags.Static)!;
        Assert.Contains(Callees(method), IsTemporaryScalar);
        Assert.DoesNotContain(Callees(typeof(HeldScalarsTests).GetMethod(nameof(Holding), BindingFlags.NonPublic | BindingFlags.Static)!), IsTemporaryScalar);
    }

    private static torch.Tensor ImplicitlyConverting(torch.Tensor x) => x.mul(2.0);

    private static torch.Tensor AddingWithoutAlpha(torch.Tensor x) => x + x;

    private static long ReadingALong(torch.Tensor x) => x.ToInt64();

    private static torch.Tensor Holding(torch.Tensor x, Scalar two) => x.mul(two).add_(x, two);

    // Creates a Scalar: directly, or through TorchSharp methods (two calls deep) that do.
    private static bool IsTemporaryScalar(MethodBase callee) => MakesScalar(callee, depth: 0);

    private static bool MakesScalar(MethodBase callee, int depth)
    {
        if (callee.DeclaringType == typeof(Scalar) && callee.Name == "op_Implicit") return true;
        if (callee.Name == "ToScalar" && callee.DeclaringType != typeof(ScalarExtensionMethods)) return true; // Tensor.ToScalar(): a Scalar nobody disposes
        if (depth == 2 || callee.DeclaringType?.Assembly != typeof(Scalar).Assembly || callee.IsAbstract) return false;
        if (callee.DeclaringType == typeof(TorchSharp.Modules.BatchNorm) && callee.Name == "forward") return false; // training mode only: see the class summary
        return Callees(callee).Any(c => MakesScalar(c, depth + 1));
    }

    private static Type Outermost(Type type) => type.DeclaringType is { } outer ? Outermost(outer) : type;

    /// <summary>The methods <paramref name="method"/> calls (call and callvirt), decoded from its IL.</summary>
    private static IEnumerable<MethodBase> Callees(MethodBase method)
    {
        byte[]? il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null) yield break;
        int i = 0;
        while (i < il.Length)
        {
            short value = il[i] == 0xFE ? (short)(0xFE00 | il[i + 1]) : il[i];
            i += il[i] == 0xFE ? 2 : 1;
            var op = OpCodesByValue[value];
            if (op == OpCodes.Call || op == OpCodes.Callvirt)
            {
                var type = method.DeclaringType!;
                yield return method.Module.ResolveMethod(BitConverter.ToInt32(il, i),
                    type.IsGenericType ? type.GetGenericArguments() : null,
                    method.IsGenericMethod ? method.GetGenericArguments() : null)!;
            }
            i += op.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, i),
                _ => 4,
            };
        }
    }
}
