using System.Text;
using Google.Protobuf;

namespace MlNetMoco.Core.Onnx.Protos;

/// <summary>
/// onnx.proto <c>AttributeProto</c> for the types this project writes (<c>FLOAT</c>, <c>INT</c>, <c>STRING</c>,
/// <c>INTS</c>). The <c>type</c> discriminator and exactly one value field are always written, even when the
/// value equals the protobuf default, so that proto2 presence checks see it.
/// </summary>
public sealed class AttributeProto : IOnnxProtoMessage
{
    private const int NameField = 1;
    private const int FField = 2;
    private const int IField = 3;
    private const int SField = 4;
    private const int IntsField = 8;
    private const int TypeField = 20;

    private AttributeProto(string name, AttributeType type)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
        Type = type;
    }

    /// <summary>Field 1, <c>name</c>.</summary>
    public string Name { get; }

    /// <summary>Field 20, <c>type</c>: which value field is in use.</summary>
    public AttributeType Type { get; }

    /// <summary>Field 2, <c>f</c> (when <see cref="Type"/> is <see cref="AttributeType.Float"/>).</summary>
    public float F { get; private init; }

    /// <summary>Field 3, <c>i</c> (when <see cref="Type"/> is <see cref="AttributeType.Int"/>).</summary>
    public long I { get; private init; }

    /// <summary>Field 4, <c>s</c>: UTF-8 bytes (when <see cref="Type"/> is <see cref="AttributeType.String"/>).</summary>
    public ReadOnlyMemory<byte> S { get; private init; }

    /// <summary>Field 8, <c>ints</c> (when <see cref="Type"/> is <see cref="AttributeType.Ints"/>).</summary>
    public IReadOnlyList<long> Ints { get; private init; } = Array.Empty<long>();

    /// <summary>A <c>FLOAT</c> attribute.</summary>
    public static AttributeProto Float(string name, float value) => new(name, AttributeType.Float) { F = value };

    /// <summary>An <c>INT</c> attribute.</summary>
    public static AttributeProto Int(string name, long value) => new(name, AttributeType.Int) { I = value };

    /// <summary>A <c>STRING</c> attribute (stored as UTF-8).</summary>
    public static AttributeProto String(string name, string value) =>
        new(name, AttributeType.String) { S = Encoding.UTF8.GetBytes(value ?? throw new ArgumentNullException(nameof(value))) };

    /// <summary>An <c>INTS</c> attribute; the list must not be empty (an empty list would leave no value field).</summary>
    public static AttributeProto IntList(string name, params IEnumerable<long> values)
    {
        long[] copy = values.ToArray();
        if (copy.Length == 0) throw new ArgumentException($"INTS attribute '{name}' needs at least one value.", nameof(values));
        return new(name, AttributeType.Ints) { Ints = copy };
    }

    /// <inheritdoc />
    public int CalculateSize()
    {
        int size = ProtoWire.StringSize(NameField, Name);
        size = checked(size + Type switch
        {
            AttributeType.Float => ProtoWire.FloatSize(FField),
            AttributeType.Int => ProtoWire.Int64Size(IField, I),
            AttributeType.String => ProtoWire.BytesSize(SField, S),
            AttributeType.Ints => ProtoWire.RepeatedInt64Size(IntsField, Ints),
            _ => throw new InvalidOperationException($"Attribute '{Name}' has unsupported type {Type}."),
        });
        return checked(size + ProtoWire.Int32Size(TypeField, (int)Type));
    }

    /// <inheritdoc />
    public void WriteTo(CodedOutputStream output)
    {
        ProtoWire.WriteString(output, NameField, Name);
        switch (Type)
        {
            case AttributeType.Float: ProtoWire.WriteFloat(output, FField, F); break;
            case AttributeType.Int: ProtoWire.WriteInt64(output, IField, I); break;
            case AttributeType.String: ProtoWire.WriteBytes(output, SField, S); break;
            case AttributeType.Ints: ProtoWire.WriteRepeatedInt64(output, IntsField, Ints); break;
            default: throw new InvalidOperationException($"Attribute '{Name}' has unsupported type {Type}.");
        }
        ProtoWire.WriteInt32(output, TypeField, (int)Type);
    }
}
