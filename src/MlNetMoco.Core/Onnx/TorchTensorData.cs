using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Onnx;

/// <summary>Copies TorchSharp tensors to managed float32 arrays (row-major) without touching the source tensor.</summary>
internal static class TorchTensorData
{
    /// <summary>The values of <paramref name="tensor"/> as float32, copied to the CPU, in row-major order.</summary>
    public static float[] ToFloatArray(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        using var scope = torch.NewDisposeScope();
        // detach() makes a new handle inside the scope, so the caller's tensor is never disposed here.
        Tensor cpu = tensor.detach().to(torch.CPU).to_type(ScalarType.Float32).contiguous();
        return cpu.data<float>().ToArray();
    }
}
