using MlNetMoco.Core.Devices;
using MlNetMoco.Core.Inference;

namespace MlNetMoco.Core.Interop;

/// <summary>
/// Opens an encoder saved by this library in either format: the original MlNetMoco encoder file
/// (<see cref="TrainedEncoder.Save"/>, header <c>MLNETMOCO-ENC</c>) or safetensors with the description in its metadata
/// (<see cref="EncoderSafeTensors.Save"/>). Old files keep loading; the format is recognised from the first bytes.
/// </summary>
public static class EncoderFiles
{
    /// <summary>Loads the encoder at <paramref name="path"/>.</summary>
    /// <param name="path">An encoder file of either format.</param>
    /// <param name="device">Device request: "auto", "cpu", "cuda" or "cuda:N". Default "auto".</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is of neither format, or corrupt (the message says which).</exception>
    public static TrainedEncoder Load(string path, string device = DeviceSelector.Auto)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"Encoder file '{path}' does not exist.", path);
        string source = $"The encoder file '{path}'";
        var format = StateDictImport.DetectFormat(path, source);
        switch (format)
        {
            case WeightFileFormat.MlNetMocoEncoder:
                using (var stream = File.OpenRead(path)) return TrainedEncoder.Load(stream, device);
            case WeightFileFormat.SafeTensors:
                return EncoderSafeTensors.Load(path, device);
            default:
                throw new InvalidDataException(
                    $"{source} is a {format} file, not an encoder saved by this library; to start from PyTorch or other weights, use PretrainedEncoder.Create.");
        }
    }
}
