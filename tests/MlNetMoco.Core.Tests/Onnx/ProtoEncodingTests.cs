using Google.Protobuf;
using MlNetMoco.Core.Onnx.Protos;

namespace MlNetMoco.Core.Tests.Onnx;

/// <summary>Byte-level checks of the hand-written messages against encodings worked out from onnx.proto.</summary>
public class ProtoEncodingTests
{
    private static byte[] Encode(IOnnxProtoMessage message)
    {
        var bytes = new byte[message.CalculateSize()];
        var output = new CodedOutputStream(bytes);
        message.WriteTo(output);
        output.CheckNoSpaceLeft();
        return bytes;
    }

    private static byte[] Bytes(byte[] bytes) => bytes;

    [Fact]
    public void Opset_import_of_the_default_domain()
    {
        // domain = 1 (LEN, ""), version = 2 (VARINT 17)
        Assert.Equal(new byte[] { 0x0A, 0x00, 0x10, 0x11 }, Encode(new OperatorSetIdProto("", 17)));
    }

    [Fact]
    public void Shape_with_symbolic_and_fixed_dimensions()
    {
        var shape = TensorShapeProto.Of([TensorShapeProto.Dimension.Symbolic("N"), TensorShapeProto.Dimension.Fixed(3)]);
        // dim = 1 (LEN) { dim_param = 2 (LEN "N") }, dim = 1 (LEN) { dim_value = 1 (VARINT 3) }
        Assert.Equal(new byte[] { 0x0A, 0x03, 0x12, 0x01, (byte)'N', 0x0A, 0x02, 0x08, 0x03 }, Encode(shape));
    }

    [Fact]
    public void Float_and_ints_attributes_carry_the_type_discriminator()
    {
        byte[] eps = Encode(AttributeProto.Float("epsilon", 1.5f));
        // name = 1, f = 2 (I32, little-endian 1.5f = 00 00 C0 3F), type = 20 (VARINT, tag A0 01) FLOAT = 1
        Assert.Equal(Bytes([0x0A, 0x07, .. "epsilon"u8, 0x15, 0x00, 0x00, 0xC0, 0x3F, 0xA0, 0x01, 0x01]), eps);

        byte[] pads = Encode(AttributeProto.IntList("pads", [1, 0]));
        // ints = 8 unpacked (VARINT, tag 0x40) per element, type INTS = 7
        Assert.Equal(Bytes([0x0A, 0x04, .. "pads"u8, 0x40, 0x01, 0x40, 0x00, 0xA0, 0x01, 0x07]), pads);

        byte[] group = Encode(AttributeProto.Int("group", 0));
        // i = 3 is written even for 0 (proto2 presence), type INT = 2
        Assert.Equal(Bytes([0x0A, 0x05, .. "group"u8, 0x18, 0x00, 0xA0, 0x01, 0x02]), group);

        byte[] mode = Encode(AttributeProto.String("mode", "é"));
        // s = 4 (LEN, UTF-8 C3 A9), type STRING = 3
        Assert.Equal(Bytes([0x0A, 0x04, .. "mode"u8, 0x22, 0x02, 0xC3, 0xA9, 0xA0, 0x01, 0x03]), mode);
    }

    [Fact]
    public void Int64_tensor_uses_little_endian_raw_data()
    {
        byte[] t = Encode(TensorProto.FromInt64s("s", [-1, 3], 2));
        // dims = 1 (VARINT 2), data_type = 2 (VARINT INT64 = 7), name = 8 (LEN "s"), raw_data = 9 (LEN 16)
        byte[] expected =
        [
            0x08, 0x02, 0x10, 0x07, 0x42, 0x01, (byte)'s', 0x4A, 0x10,
            0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
            0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        ];
        Assert.Equal(expected, t);
    }

    [Fact]
    public void Float_tensor_raw_data_and_shape()
    {
        byte[] t = Encode(TensorProto.FromFloats("w", [1f, -2f], 1, 2));
        byte[] expected =
        [
            0x08, 0x01, 0x08, 0x02, 0x10, 0x01, 0x42, 0x01, (byte)'w', 0x4A, 0x08,
            0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0,
        ];
        Assert.Equal(expected, t);
    }
}
