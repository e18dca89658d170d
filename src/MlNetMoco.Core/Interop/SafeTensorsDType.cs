using static TorchSharp.torch;

namespace MlNetMoco.Core.Interop;

/// <summary>The element types of the safetensors format and their TorchSharp equivalents (little-endian).</summary>
internal static class SafeTensorsDType
{
    private static readonly (string Code, ScalarType Type, int Size)[] Table =
    [
        ("F64", ScalarType.Float64, 8),
        ("F32", ScalarType.Float32, 4),
        ("F16", ScalarType.Float16, 2),
        ("BF16", ScalarType.BFloat16, 2),
        ("I64", ScalarType.Int64, 8),
        ("I32", ScalarType.Int32, 4),
        ("I16", ScalarType.Int16, 2),
        ("I8", ScalarType.Int8, 1),
        ("U8", ScalarType.Byte, 1),
        ("BOOL", ScalarType.Bool, 1),
    ];

    /// <summary>The codes this library reads and writes, for messages.</summary>
    public static string Known => string.Join(", ", Table.Select(t => t.Code));

    /// <summary>The safetensors code of <paramref name="type"/>, or null when the format has none we support.</summary>
    public static string? CodeOf(ScalarType type)
    {
        foreach (var (code, t, _) in Table)
            if (t == type) return code;
        return null;
    }

    /// <summary>The element type and size of <paramref name="code"/>, or false when unknown.</summary>
    public static bool TryParse(string code, out ScalarType type, out int size)
    {
        foreach (var (c, t, s) in Table)
        {
            if (!string.Equals(c, code, StringComparison.Ordinal)) continue;
            type = t;
            size = s;
            return true;
        }
        type = default;
        size = 0;
        return false;
    }
}
