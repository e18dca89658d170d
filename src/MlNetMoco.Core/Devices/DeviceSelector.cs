using TorchSharp;

namespace MlNetMoco.Core.Devices;

/// <summary>
/// Turns a device request (<c>auto</c>, <c>cpu</c>, <c>cuda</c>, <c>cuda:N</c>) into a TorchSharp device.
/// </summary>
public static class DeviceSelector
{
    /// <summary>The request that picks CUDA when available, else the CPU.</summary>
    public const string Auto = "auto";

    /// <summary>
    /// Resolves <paramref name="request"/>: <c>auto</c> (default) picks <c>cuda</c> when
    /// <c>torch.cuda.is_available()</c>, else <c>cpu</c>; <c>cpu</c>, <c>cuda</c> and <c>cuda:N</c> are taken
    /// as they are. Case and surrounding spaces are ignored.
    /// </summary>
    /// <exception cref="ArgumentException">The request is none of the forms above.</exception>
    /// <exception cref="InvalidOperationException">CUDA was asked for but is not available, or N is out of range.</exception>
    public static torch.Device Resolve(string? request = Auto)
    {
        string text = (request ?? Auto).Trim().ToLowerInvariant();
        if (text.Length == 0 || text == Auto)
            return torch.cuda.is_available() ? torch.CUDA : torch.CPU;
        if (text == "cpu")
            return torch.CPU;
        if (text == "cuda" || text.StartsWith("cuda:", StringComparison.Ordinal))
        {
            int index = 0;
            if (text.Length > 4 && !int.TryParse(text.AsSpan(5), out index) || index < 0)
                throw new ArgumentException($"Device '{request}' is not valid: expected 'auto', 'cpu', 'cuda' or 'cuda:N' with N ≥ 0.", nameof(request));
            if (!torch.cuda.is_available())
                throw new InvalidOperationException(
                    $"Device '{request}' was requested but CUDA is not available to TorchSharp. " +
                    "Build with -p:TorchBackend=cuda on a Linux machine with an NVIDIA driver, or use device 'cpu' or 'auto'.");
            int count = torch.cuda.device_count();
            if (index >= count)
                throw new InvalidOperationException($"Device '{request}' was requested but only {count} CUDA device(s) are visible.");
            return new torch.Device(DeviceType.CUDA, index);
        }
        throw new ArgumentException($"Device '{request}' is not valid: expected 'auto', 'cpu', 'cuda' or 'cuda:N'.", nameof(request));
    }
}
