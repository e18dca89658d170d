using System.Globalization;
using System.Runtime.InteropServices;
using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Data;
using MlNetMoco.Core.Devices;

namespace MlNetMoco.Benchmarks;

/// <summary>
/// What the oneDNN workaround of <see cref="OneDnnGuard"/> costs: the bare forward+backward of SmallConvNet, ResNet-18
/// and ResNet-50 (train mode, v2 head) on the CPU with oneDNN unrestricted, with its instruction set capped at AVX (the
/// workaround), and with oneDNN turned off for convolutions (<c>at::Context::setUserEnabledMkldnn(false)</c>, the
/// alternative). Each runs in its own process, since both switches act once per process. Where the CPU reports no
/// cache sizes, ResNet-50 backward with oneDNN unrestricted kills the process (SIGFPE), so that row says so instead.
/// </summary>
internal sealed class OneDnnBenchmark : IBenchmark
{
    private const string DisableMkldnnVariable = "MLNETMOCO_BENCH_DISABLE_MKLDNN";

    /// <inheritdoc />
    public string Name => "onednn";

    /// <inheritdoc />
    public string Description => "CPU fwd+bwd with oneDNN unrestricted, capped at AVX (the workaround) and off for convolutions (img/s)";

    private static readonly (string Id, string Title, Dictionary<string, string> Environment)[] Configurations =
    [
        ("unrestricted", "oneDNN unrestricted", new() { [OneDnnGuard.ModeVariable] = "off" }),
        ("avx-cap", $"oneDNN capped at {OneDnnGuard.CappedIsa} (the workaround)", new() { [OneDnnGuard.ModeVariable] = "force" }),
        ("mkldnn-off", "oneDNN off for convolutions", new() { [OneDnnGuard.ModeVariable] = "off", [DisableMkldnnVariable] = "1" }),
    ];

    /// <inheritdoc />
    public IEnumerable<BenchmarkCase> Cases(BenchmarkSettings settings)
    {
        if (settings.IsCuda) yield break; // oneDNN is the CPU backend
        var models = new (string Id, BackboneSpec Spec, ImageShape Shape, int Batch)[]
        {
            ("smallconvnet", new BackboneSpec(BackboneKind.SmallConvNet, 1), new ImageShape(1, 28, 28), 256),
            ("resnet18", new BackboneSpec(BackboneKind.ResNet18, 3, SmallImageStem: true), new ImageShape(3, 32, 32), settings.Quick ? 32 : 64),
            ("resnet50", new BackboneSpec(BackboneKind.ResNet50, 3, SmallImageStem: true), new ImageShape(3, 32, 32), settings.Quick ? 16 : 32),
        };
        bool cpuUnsafe = CpuCacheReport.ReadThisCpu() is { ReportsDataCaches: false };
        foreach (var model in models)
            foreach (var configuration in Configurations)
            {
                bool crashes = cpuUnsafe && configuration.Id == "unrestricted" && model.Spec.Kind == BackboneKind.ResNet50;
                var env = new Dictionary<string, string>(configuration.Environment);
                foreach (string name in new[] { OneDnnGuard.IsaVariable, OneDnnGuard.LegacyIsaVariable })
                    env[name] = ""; // removed in the child: a caller's own cap would blur the comparison
                yield return new BenchmarkCase($"{Name}/{model.Id}/{configuration.Id}",
                    string.Create(CultureInfo.InvariantCulture, $"{model.Spec.Kind} {model.Shape}, batch {model.Batch}: {configuration.Title}"),
                    (s, context) => crashes
                        ? [new ResultRow($"{model.Spec.Kind} fwd+bwd, {configuration.Title}", double.NaN, "img/s",
                            Note: "not run: this CPU reports no cache sizes and ResNet-50 backward dies with SIGFPE (BackwardCrashTests shows it)")]
                        : Run(model.Spec, model.Shape, model.Batch, configuration.Title, s, context),
                    env);
            }
    }

    private static IReadOnlyList<ResultRow> Run(BackboneSpec spec, ImageShape shape, int batch, string title, BenchmarkSettings settings, CaseContext context)
    {
        if (Environment.GetEnvironmentVariable(DisableMkldnnVariable) == "1") DisableMkldnn();
        context.Log(OneDnnGuard.Status.Message);
        using var cost = new EncoderCost(spec, shape, batch, settings.Device);
        var timing = cost.MeasureForwardBackward(settings.Repeats);
        return [new ResultRow($"{spec.Kind} fwd+bwd, {title}", timing.Rate(batch), "img/s", Note: timing.Describe())];
    }

    // at::globalContext().setUserEnabledMkldnn(false), through libtorch's exported C++ symbols (Itanium ABI names).
    private delegate IntPtr GlobalContext();
    private delegate void SetUserEnabledMkldnn(IntPtr context, [MarshalAs(UnmanagedType.I1)] bool enabled);

    private static void DisableMkldnn()
    {
        _ = TorchSharp.torch.zeros(1); // loads libtorch
        IntPtr library = NativeLibrary.Load("libtorch_cpu.so");
        var context = Marshal.GetDelegateForFunctionPointer<GlobalContext>(NativeLibrary.GetExport(library, "_ZN2at13globalContextEv"))();
        Marshal.GetDelegateForFunctionPointer<SetUserEnabledMkldnn>(NativeLibrary.GetExport(library, "_ZN2at7Context20setUserEnabledMkldnnEb"))(context, false);
    }
}
