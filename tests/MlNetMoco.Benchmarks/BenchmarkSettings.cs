using MlNetMoco.Core.Devices;
using TorchSharp;

namespace MlNetMoco.Benchmarks;

/// <summary>What a benchmark run was asked for: the device and the size of the run.</summary>
/// <param name="DeviceRequest">"auto", "cpu", "cuda" or "cuda:N", as <see cref="DeviceSelector"/> takes it.</param>
/// <param name="Quick">Fewer steps, repetitions and cases (ResNet-50 on the CPU is skipped).</param>
/// <param name="StoreGigabytes">Size of the pixel store the <c>pixelstore/large</c> case writes and reads; null: 1 GB quick, 2 GB full.</param>
internal sealed record BenchmarkSettings(string DeviceRequest, bool Quick, double? StoreGigabytes = null)
{
    private torch.Device? _device;

    /// <summary>The resolved device (loads libtorch on first use).</summary>
    public torch.Device Device => _device ??= DeviceSelector.Resolve(DeviceRequest);

    /// <summary>True when the resolved device is a CUDA device.</summary>
    public bool IsCuda => Device.type == DeviceType.CUDA;

    /// <summary>The arguments that give a child process the same settings.</summary>
    public IEnumerable<string> ToArguments()
    {
        yield return "--device";
        yield return DeviceRequest;
        if (Quick) yield return "--quick";
        if (StoreGigabytes is double gigabytes)
        {
            yield return "--store-gb";
            yield return gigabytes.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    /// <summary>Size of the large pixel store case, in bytes.</summary>
    public long StoreBytes => (long)((StoreGigabytes ?? (Quick ? 1 : 2)) * 1e9);

    /// <summary>Repetitions of a timed measurement: warm-up runs, timed runs and a time budget after which timing stops (at least 3 timed runs).</summary>
    public Repetitions Repeats => Quick ? new Repetitions(1, 5, 20, 4) : new Repetitions(2, 11, 60, 8);

    /// <summary>Repetitions of a measurement that is a whole pass over a data set (seconds per run).</summary>
    public Repetitions PassRepeats => Quick ? new Repetitions(1, 3, 15, 0) : new Repetitions(1, 5, 60, 0);
}
