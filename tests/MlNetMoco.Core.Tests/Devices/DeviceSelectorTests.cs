using MlNetMoco.Core.Devices;
using TorchSharp;

namespace MlNetMoco.Core.Tests.Devices;

public class DeviceSelectorTests
{
    [Theory]
    [InlineData("cpu")]
    [InlineData(" CPU ")]
    public void Cpu_is_always_available(string request)
    {
        Assert.Equal(DeviceType.CPU, DeviceSelector.Resolve(request).type);
    }

    [Fact]
    public void Auto_follows_cuda_availability()
    {
        var expected = torch.cuda.is_available() ? DeviceType.CUDA : DeviceType.CPU;
        Assert.Equal(expected, DeviceSelector.Resolve("auto").type);
        Assert.Equal(expected, DeviceSelector.Resolve(null).type);
    }

    [Theory]
    [InlineData("gpu")]
    [InlineData("cuda:x")]
    [InlineData("cuda:-1")]
    public void Malformed_requests_are_rejected(string request)
    {
        var e = Assert.Throws<ArgumentException>(() => DeviceSelector.Resolve(request));
        Assert.Contains("cuda:N", e.Message);
    }

    [Fact]
    public void Cuda_request_without_cuda_explains_what_to_do()
    {
        if (torch.cuda.is_available())
        {
            Assert.Equal(DeviceType.CUDA, DeviceSelector.Resolve("cuda").type);
            return;
        }
        var e = Assert.Throws<InvalidOperationException>(() => DeviceSelector.Resolve("cuda:0"));
        Assert.Contains("CUDA is not available", e.Message);
        Assert.Contains("TorchBackend=cuda", e.Message);
    }

    [Fact]
    public void Diagnostic_is_one_line_naming_versions_device_and_threads()
    {
        string line = TorchDiagnostics.Describe(torch.CPU);
        Assert.DoesNotContain('\n', line);
        Assert.Contains("TorchSharp 0.107", line);
        Assert.Contains("libtorch 2.", line);
        Assert.Contains("device cpu", line);
        Assert.Matches(@"threads \d+", line);
    }
}
