using Google.Protobuf;
using MlNetMoco.Core.Onnx.Protos;

namespace MlNetMoco.Core.Tests.Onnx;

/// <summary>
/// Byte-level checks of the message classes generated from onnx_ir_subset.proto against encodings worked out by
/// hand from the ONNX IR specification: field numbers, wire types, proto2 presence and unpacked repeated scalars.
/// </summary>
public class ProtoEncodingTests
{
    private static byte[] Encode(IMessage message) => message.ToByteArray();

    private static byte[] Bytes(byte[] bytes) => bytes;

    [Fact]
    public void Opset_import_of_the_default_domain()
    {
        // domain = 1 (LEN, ""), version = 2 (VARINT 17)
        Assert.Equal(new byte[] { 0x0A, 0x00, 0x10, 0x11 }, Encode(new OperatorSetIdProto { Domain = "", Version = 17 }));
    }

    [Fact]
    public void Shape_with_symbolic_and_fixed_dimensions()
    {
        var shape = TensorShapeProto.Of([TensorShapeProto.Types.Dimension.Symbolic("N"), TensorShapeProto.Types.Dimension.Fixed(3)]);
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

    [Fact]
    public void Unset_optional_fields_are_not_written_and_set_ones_survive_a_round_trip()
    {
        var node = new NodeProto { OpType = "Relu" };
        node.Input.Add("x");
        node.Output.Add("y");
        // input = 1 (LEN "x"), output = 2 (LEN "y"), op_type = 4 (LEN "Relu"); no name, doc_string or domain
        Assert.Equal(Bytes([0x0A, 0x01, (byte)'x', 0x12, 0x01, (byte)'y', 0x22, 0x04, .. "Relu"u8]), Encode(node));

        var model = new ModelProto { IrVersion = 8, ModelVersion = 0, Graph = new GraphProto { Name = "g" } };
        model.Graph.Node.Add(node);
        ModelProto parsed = ModelProto.Parser.ParseFrom(model.ToByteArray());
        Assert.True(parsed.HasModelVersion); // proto2 presence: 0 was set, so it was written
        Assert.False(parsed.HasDocString);
        Assert.Equal(model, parsed);
    }
}
