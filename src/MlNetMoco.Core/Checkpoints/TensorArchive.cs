using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Checkpoints;

/// <summary>
/// A plain named-tensor format: count, then for each tensor its name, dtype, shape and little-endian bytes.
/// Independent of TorchSharp's own format so files are checkable and stable. float32, float64, int64 and uint8.
/// </summary>
public static class TensorArchive
{
    /// <summary>Writes <paramref name="tensors"/> (copied to the CPU) to <paramref name="writer"/>.</summary>
    public static void Write(BinaryWriter writer, IReadOnlyCollection<(string Name, Tensor Tensor)> tensors)
    {
        writer.Write(tensors.Count);
        foreach (var (name, tensor) in tensors)
        {
            using var cpu = tensor.detach().cpu().contiguous();
            writer.Write(name);
            writer.Write((int)cpu.dtype);
            writer.Write(cpu.shape.Length);
            foreach (long d in cpu.shape) writer.Write(d);
            var bytes = cpu.bytes;
            writer.Write((long)bytes.Length);
            writer.Write(bytes);
        }
    }

    /// <summary>Reads tensors written by <see cref="Write"/> onto the CPU, in file order.</summary>
    /// <exception cref="InvalidDataException">The data is truncated or malformed.</exception>
    public static List<(string Name, Tensor Tensor)> Read(BinaryReader reader)
    {
        var result = new List<(string, Tensor)>();
        try
        {
            int count = reader.ReadInt32();
            if (count < 0 || count > 1_000_000) throw new InvalidDataException($"Tensor archive claims {count} tensors.");
            for (int i = 0; i < count; i++)
            {
                string name = reader.ReadString();
                var dtype = (ScalarType)reader.ReadInt32();
                if (dtype is not (ScalarType.Float32 or ScalarType.Float64 or ScalarType.Int64 or ScalarType.Byte))
                    throw new InvalidDataException($"Tensor '{name}' has unsupported dtype {dtype}.");
                int rank = reader.ReadInt32();
                if (rank is < 0 or > 8) throw new InvalidDataException($"Tensor '{name}' has rank {rank}.");
                var shape = new long[rank];
                for (int d = 0; d < rank; d++) shape[d] = reader.ReadInt64();
                long length = reader.ReadInt64();
                byte[] bytes = reader.ReadBytes(checked((int)length));
                if (bytes.Length != length) throw new EndOfStreamException();
                var tensor = empty(shape, dtype);
                if (tensor.bytes.Length != length)
                {
                    tensor.Dispose();
                    throw new InvalidDataException($"Tensor '{name}' has {length} bytes for shape [{string.Join(",", shape)}].");
                }
                tensor.bytes = bytes;
                result.Add((name, tensor));
            }
            return result;
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or OverflowException or ArgumentException)
        {
            foreach (var (_, t) in result) t.Dispose();
            throw new InvalidDataException("Tensor archive is truncated or corrupt.", e);
        }
        catch
        {
            foreach (var (_, t) in result) t.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Copies <paramref name="tensors"/> into the parameters and buffers of <paramref name="module"/> (its state dict),
    /// requiring exactly the same names and shapes; the first mismatch is named in the error.
    /// </summary>
    public static void LoadInto(nn.Module module, IReadOnlyList<(string Name, Tensor Tensor)> tensors, string what)
    {
        var state = module.state_dict();
        var given = tensors.ToDictionary(t => t.Name, t => t.Tensor);
        foreach (var name in state.Keys)
            if (!given.ContainsKey(name)) throw new InvalidDataException($"{what} lacks '{name}'.");
        using var noGrad = no_grad();
        foreach (var (name, tensor) in tensors)
        {
            if (!state.TryGetValue(name, out var target)) throw new InvalidDataException($"{what} has '{name}', which the model does not have.");
            if (!target.shape.SequenceEqual(tensor.shape))
                throw new InvalidDataException($"{what}: '{name}' has shape [{string.Join(",", tensor.shape)}], the model expects [{string.Join(",", target.shape)}].");
            target.copy_(tensor);
        }
    }

    /// <summary>UTF-8 encoding without BOM, shared by the file formats.</summary>
    public static readonly Encoding Utf8 = new UTF8Encoding(false);
}
