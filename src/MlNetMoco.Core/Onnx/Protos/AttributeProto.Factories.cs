using Google.Protobuf;

namespace MlNetMoco.Core.Onnx.Protos;

/// <summary>
/// Factories of the generated <c>AttributeProto</c> (onnx_ir_subset.proto) for the attribute types this project
/// writes. Each sets the <c>type</c> discriminator and exactly one value field; proto2 presence means a value equal
/// to the default (e.g. <c>group = 0</c>) is still written.
/// </summary>
public sealed partial class AttributeProto
{
    /// <summary>A <c>FLOAT</c> attribute.</summary>
    public static AttributeProto Float(string name, float value) =>
        new() { Name = CheckName(name), Type = Types.AttributeType.Float, F = value };

    /// <summary>An <c>INT</c> attribute.</summary>
    public static AttributeProto Int(string name, long value) =>
        new() { Name = CheckName(name), Type = Types.AttributeType.Int, I = value };

    /// <summary>A <c>STRING</c> attribute (stored as UTF-8).</summary>
    public static AttributeProto String(string name, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return new() { Name = CheckName(name), Type = Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };
    }

    /// <summary>An <c>INTS</c> attribute; the list must not be empty (an empty list would leave no value field).</summary>
    public static AttributeProto IntList(string name, params IEnumerable<long> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var attribute = new AttributeProto { Name = CheckName(name), Type = Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        if (attribute.Ints.Count == 0) throw new ArgumentException($"INTS attribute '{name}' needs at least one value.", nameof(values));
        return attribute;
    }

    /// <summary>A <c>STRINGS</c> attribute (each stored as UTF-8); the list must not be empty.</summary>
    public static AttributeProto StringList(string name, params IEnumerable<string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var attribute = new AttributeProto { Name = CheckName(name), Type = Types.AttributeType.Strings };
        attribute.Strings.AddRange(values.Select(v => ByteString.CopyFromUtf8(v ?? throw new ArgumentException($"STRINGS attribute '{name}' holds a null.", nameof(values)))));
        if (attribute.Strings.Count == 0) throw new ArgumentException($"STRINGS attribute '{name}' needs at least one value.", nameof(values));
        return attribute;
    }

    private static string CheckName(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return name;
    }
}
