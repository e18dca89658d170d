using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using MlNetMoco.Core.Interop;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Tests.Interop;

public class SafeTensorsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mlnetmoco-st-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string PathOf(string name) => Path.Combine(_folder, name);

    private static List<(string, Tensor)> AllTypes() =>
    [
        ("f32", tensor(new[] { 1.5f, -2f, 3.25f, 0f, 1e-8f, -0f }).reshape(2, 3)),
        ("f64", tensor(new[] { Math.PI, -1e300 })),
        ("f16", tensor(new[] { 0.5f, -8f, 1000f }).to(ScalarType.Float16)),
        ("bf16", tensor(new[] { 0.5f, -8f, 3e30f }).to(ScalarType.BFloat16)),
        ("i64", tensor(new[] { long.MaxValue, -1L, 0L })),
        ("i32", tensor(new[] { int.MinValue, 7 })),
        ("i16", tensor(new short[] { -3, 4 })),
        ("i8", tensor(new sbyte[] { -128, 127 })),
        ("u8", tensor(new byte[] { 0, 255, 9 })),
        ("bool", tensor(new[] { true, false, true })),
        ("scalar", tensor(42L)),
        ("empty", zeros(0, 4)),
        ("transposed", arange(6, dtype: ScalarType.Float32).reshape(2, 3).t()),
    ];

    [Fact]
    public void Every_element_type_round_trips_with_metadata_and_order()
    {
        var tensors = AllTypes();
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["note"] = "ünïcode ✓" };
        string path = PathOf("all.safetensors");
        SafeTensors.Write(path, tensors, metadata);

        using var read = SafeTensors.Read(path);
        Assert.Equal(tensors.Select(t => t.Item1), read.Tensors.Select(t => t.Name));
        foreach (var (name, expected) in tensors)
        {
            var actual = read.Find(name)!;
            Assert.Equal(expected.dtype, actual.dtype);
            Assert.Equal(expected.shape, actual.shape);
            Assert.True(Same(expected, actual), $"tensor '{name}' changed");
        }
        Assert.Equal(metadata, read.Metadata);
        Assert.Equal(metadata, SafeTensors.ReadMetadata(path));
        Assert.True(SafeTensors.IsSafeTensors(path));
    }

    [Fact]
    public void Header_is_the_documented_layout()
    {
        string path = PathOf("layout.safetensors");
        SafeTensors.Write(path, [("a", ones(2, 2)), ("b", zeros(3, dtype: ScalarType.Int64))], new Dictionary<string, string> { ["k"] = "v" });
        byte[] bytes = File.ReadAllBytes(path);
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0UL, (8 + n) % 8);
        using var header = JsonDocument.Parse(Encoding.UTF8.GetString(bytes, 8, (int)n));
        var root = header.RootElement;
        Assert.Equal("v", root.GetProperty("__metadata__").GetProperty("k").GetString());
        Assert.Equal("F32", root.GetProperty("a").GetProperty("dtype").GetString());
        Assert.Equal("[0,16]", root.GetProperty("a").GetProperty("data_offsets").GetRawText());
        Assert.Equal("I64", root.GetProperty("b").GetProperty("dtype").GetString());
        Assert.Equal("[16,40]", root.GetProperty("b").GetProperty("data_offsets").GetRawText());
        Assert.Equal(8 + (long)n + 40, bytes.LongLength);
        Assert.Equal(1f, BitConverter.ToSingle(bytes, 8 + (int)n));
    }

    [Fact]
    public void Select_reads_only_the_chosen_tensors()
    {
        string path = PathOf("select.safetensors");
        SafeTensors.Write(path, AllTypes());
        using var read = SafeTensors.Read(path, name => name.StartsWith('i'));
        Assert.Equal(["i64", "i32", "i16", "i8"], read.Tensors.Select(t => t.Name));
    }

    [Fact]
    public void Files_we_write_load_in_PyBridge_and_files_PyBridge_writes_load_here()
    {
        string ours = PathOf("ours.safetensors");
        var tensors = new List<(string, Tensor)> { ("conv1.weight", randn(4, 3, 3, 3)), ("bn1.num_batches_tracked", tensor(3L)), ("fc.bias", randn(7)) };
        SafeTensors.Write(ours, tensors, new Dictionary<string, string> { ["format"] = "pt" });
        var theirs = TorchSharp.PyBridge.Safetensors.LoadStateDict(ours);
        Assert.Equal(3, theirs.Count);
        foreach (var (name, t) in tensors) Assert.True(Same(t, theirs[name]), name);

        string path = PathOf("pybridge.safetensors");
        TorchSharp.PyBridge.Safetensors.SaveStateDict(path, new Dictionary<string, Tensor> { ["x"] = arange(5, dtype: ScalarType.Float64), ["y"] = ones(2, 2) });
        using var read = SafeTensors.Read(path);
        Assert.True(Same(read.Find("x")!, arange(5, dtype: ScalarType.Float64)));
        Assert.True(Same(read.Find("y")!, ones(2, 2)));
    }

    [Fact]
    public void A_truncated_file_names_what_is_missing()
    {
        string path = PathOf("full.safetensors");
        SafeTensors.Write(path, [("a", ones(10)), ("b", ones(10))]);
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^4]);
        var e = Assert.Throws<InvalidDataException>(() => SafeTensors.Read(path));
        Assert.Contains("truncated", e.Message);
        Assert.Contains("80 bytes", e.Message);

        File.WriteAllBytes(path, bytes[..20]);
        Assert.Contains("ends inside its", Assert.Throws<InvalidDataException>(() => SafeTensors.Read(path)).Message);
        File.WriteAllBytes(path, bytes[..5]);
        Assert.Contains("shorter than the 8-byte header length", Assert.Throws<InvalidDataException>(() => SafeTensors.Read(path)).Message);

        // Truncation is also found on a stream that cannot seek, at the tensor it hits.
        using var stream = new NonSeekable(bytes[..^4]);
        var streamed = Assert.Throws<InvalidDataException>(() => SafeTensors.Read(stream));
        Assert.Contains("tensor 'b'", streamed.Message);
    }

    [Theory]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}", "not UTF-8 JSON")]
    [InlineData("[1,2]", "not a JSON object")]
    [InlineData("{\"a\":{\"dtype\":\"F8_E4M3\",\"shape\":[2],\"data_offsets\":[0,2]}}", "tensor 'a' has dtype 'F8_E4M3'")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", "tensor 'a' spans 8 bytes but shape [3] of F32 needs 12")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", "tensor 'b' overlaps")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", "gap of 4 bytes before tensor 'a'")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", "tensor 'a' has a shape entry")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}", "tensor 'a' has no valid 'data_offsets'")]
    [InlineData("{\"__metadata__\":{\"n\":3},\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", "metadata 'n' is a Number")]
    public void A_corrupt_header_is_refused_with_the_tensor_named(string header, string expected)
    {
        string path = PathOf("corrupt.safetensors");
        File.WriteAllBytes(path, Raw(header, new byte[16]));
        var e = Assert.Throws<InvalidDataException>(() => SafeTensors.Read(path));
        Assert.Contains(expected, e.Message);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Any_corrupted_header_byte_gives_a_readable_result_or_InvalidDataException()
    {
        string path = PathOf("fuzz.safetensors");
        SafeTensors.Write(path, [("w", ones(2, 3)), ("n", tensor(3L)), ("b", tensor(new[] { true }))], new Dictionary<string, string> { ["k"] = "v" });
        byte[] original = File.ReadAllBytes(path);
        int headerEnd = 8 + (int)BinaryPrimitives.ReadUInt64LittleEndian(original);
        int refused = 0;
        for (int i = 0; i < headerEnd; i++)
        {
            byte[] bytes = (byte[])original.Clone();
            bytes[i] = i % 2 == 0 ? (byte)(bytes[i] ^ 0xFF) : (byte)(bytes[i] + 1);
            File.WriteAllBytes(path, bytes);
            try
            {
                using var read = SafeTensors.Read(path);
            }
            catch (InvalidDataException)
            {
                refused++;
            }
            catch (Exception e)
            {
                Assert.Fail($"byte {i} set to 0x{bytes[i]:x2}: {e.GetType().Name}: {e.Message}");
            }
        }
        Assert.True(refused > headerEnd / 4, $"only {refused} of {headerEnd} corruptions were noticed");
    }

    [Fact]
    public void A_header_length_beyond_the_limit_is_refused_before_allocating()
    {
        string path = PathOf("huge.safetensors");
        var bytes = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 1UL << 40);
        File.WriteAllBytes(path, bytes);
        Assert.Contains("header length is 1099511627776 bytes", Assert.Throws<InvalidDataException>(() => SafeTensors.Read(path)).Message);
    }

    [Fact]
    public void Writing_refuses_repeated_reserved_and_unsupported_names_and_types()
    {
        string path = PathOf("bad.safetensors");
        Assert.Contains("occurs twice", Assert.Throws<ArgumentException>(() => SafeTensors.Write(path, [("a", ones(1)), ("a", ones(1))])).Message);
        Assert.Contains("reserved", Assert.Throws<ArgumentException>(() => SafeTensors.Write(path, [("__metadata__", ones(1))])).Message);
        var complex = Assert.Throws<ArgumentException>(() => SafeTensors.Write(path, [("c", ones(2, dtype: ScalarType.ComplexFloat32))]));
        Assert.Contains("tensor 'c'", complex.Message, StringComparison.OrdinalIgnoreCase);
        Assert.False(File.Exists(path));
    }

    /// <summary>Same element type, shape and values.</summary>
    internal static bool Same(Tensor a, Tensor b) =>
        a.dtype == b.dtype && a.shape.SequenceEqual(b.shape) && (a.numel() == 0 || a.eq(b).all().item<bool>());

    private static byte[] Raw(string header, byte[] data)
    {
        byte[] json = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)json.Length);
        json.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + json.Length);
        return bytes;
    }

    private sealed class NonSeekable(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
        public override long Length => throw new NotSupportedException();
    }
}
