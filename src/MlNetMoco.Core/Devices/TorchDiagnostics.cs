using System.Reflection;
using TorchSharp;

namespace MlNetMoco.Core.Devices;

/// <summary>A one-line description of the Torch runtime, for logs and bug reports.</summary>
public static class TorchDiagnostics
{
    /// <summary>
    /// Describes the backend in use, e.g.
    /// <c>MlNetMoco 0.1.0 | TorchSharp 0.107.0 | libtorch 2.10.0 | backend cpu | device cpu | threads 2 | oneDNN unrestricted</c>;
    /// the last field says whether <see cref="OneDnnGuard"/> capped oneDNN on this host.
    /// </summary>
    /// <param name="device">The device training or inference runs on; null describes the <c>auto</c> choice.</param>
    public static string Describe(torch.Device? device = null)
    {
        device ??= DeviceSelector.Resolve(DeviceSelector.Auto);
        bool cuda = torch.cuda.is_available();
        string backend = cuda ? $"cuda ({torch.cuda.device_count()} device(s), cuDNN {(torch.cuda.is_cudnn_available() ? "yes" : "no")})" : "cpu";
        return $"MlNetMoco {VersionOf(typeof(TorchDiagnostics).Assembly)} | TorchSharp {VersionOf(typeof(torch).Assembly)} | " +
               $"libtorch {torch.__version__} | backend {backend} | device {device} | threads {torch.get_num_threads()} | " +
               $"oneDNN {OneDnnGuard.Status.Summary}";
    }

    private static string VersionOf(Assembly assembly)
    {
        string? informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        if (informational is null) return assembly.GetName().Version?.ToString() ?? "?";
        int plus = informational.IndexOf('+');
        return plus < 0 ? informational : informational[..plus];
    }
}
