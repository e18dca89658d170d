using System.Text.Json;
using MlNetMoco.Core.Interop;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Tests.Interop;

/// <summary>
/// Reads the small files python3-torch 1.13 wrote (Interop/Fixtures, made by python/make_fixtures.py) without Python:
/// a checkpoint-shaped dict (epoch, arch, a NumPy scalar, an argparse.Namespace, a state dict with non-contiguous and
/// storage-sharing tensors of several types, optimizer state) in torch.save's zip and legacy formats.
/// </summary>
public class TorchFixtureTests
{
    private static string Fixture(string name) => Path.Combine(PythonFiles.Fixtures, name);

    [Theory]
    [InlineData("tiny-checkpoint.pth.tar", WeightFileFormat.TorchZip)]
    [InlineData("tiny-checkpoint-legacy.pth.tar", WeightFileFormat.TorchLegacy)]
    public void Every_tensor_of_a_checkpoint_PyTorch_wrote_is_read_exactly(string file, WeightFileFormat format)
    {
        string path = Fixture(file);
        Assert.Equal(format, StateDictImport.DetectFormat(path, "fixture"));
        using var expected = JsonDocument.Parse(File.ReadAllText(Fixture("tiny-checkpoint.json")));
        using var read = StateDictImport.ReadAll(path);

        var names = expected.RootElement.GetProperty("tensors").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Equal(names, read.Tensors.Select(t => t.Name)); // file order kept
        foreach (var entry in expected.RootElement.GetProperty("tensors").EnumerateObject())
        {
            var tensor = read.Find(entry.Name)!;
            Assert.Equal(entry.Value.GetProperty("dtype").GetString(), DTypeName(tensor.dtype));
            Assert.Equal(entry.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()), tensor.shape);
            var values = entry.Value.GetProperty("values").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            using var asDouble = tensor.to(ScalarType.Float64).contiguous();
            Assert.Equal(values, asDouble.data<double>().ToArray());
        }
        Assert.Equal("3", read.Metadata["epoch"]);
        Assert.Equal("tiny", read.Metadata["arch"]);
    }

    [Fact]
    public void Tensors_that_share_a_storage_are_independent_copies()
    {
        using var read = StateDictImport.ReadAll(Fixture("tiny-checkpoint.pth.tar"));
        var row = read.Find("module.encoder_q.row")!;
        Assert.Equal([2.5f, 2.75f, 3f, 3.25f, 3.5f], row.data<float>().ToArray());
        row.fill_(0);
        Assert.Equal(2.5f, read.Find("module.encoder_q.big")![2, 0].item<float>());
    }

    [Fact]
    public void A_plain_pickle_is_refused_as_not_written_by_torch_save()
    {
        string path = Fixture("plain.pkl");
        var e = Assert.Throws<InvalidDataException>(() => StateDictImport.ReadAll(path));
        Assert.Contains("not a file written by torch.save", e.Message);
        Assert.Contains("a dict of 2 items", e.Message);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void A_tiny_checkpoint_has_no_encoder_and_says_which_keys_it_has()
    {
        // Its tensors are not a ResNet: the importer says what it expected and what it found.
        var e = Assert.Throws<InvalidDataException>(() => StateDictImport.Read(Fixture("tiny-checkpoint.pth.tar")));
        Assert.Contains("encoder under 'module.encoder_q.'", e.Message);
        Assert.Contains("'conv1.weight'", e.Message);
        Assert.Contains("'weight'", e.Message);
    }

    [Theory]
    [InlineData(100)]
    [InlineData(1200)]
    [InlineData(3000)]
    public void A_truncated_PyTorch_file_is_refused_as_truncated_or_corrupt(int keep)
    {
        foreach (string file in new[] { "tiny-checkpoint.pth.tar", "tiny-checkpoint-legacy.pth.tar" })
        {
            byte[] bytes = File.ReadAllBytes(Fixture(file));
            if (keep >= bytes.Length) continue;
            string path = Path.Combine(Path.GetTempPath(), $"mlnetmoco-trunc-{Guid.NewGuid():N}.pth.tar");
            try
            {
                File.WriteAllBytes(path, bytes[..keep]);
                var e = Assert.Throws<InvalidDataException>(() => StateDictImport.ReadAll(path));
                Assert.True(e.Message.Contains("truncated") || e.Message.Contains("corrupt"), e.Message);
                Assert.Contains(path, e.Message);
            }
            finally
            {
                File.Delete(path);
            }
        }
    }

    [Theory]
    [InlineData("tiny-checkpoint.pth.tar")]
    [InlineData("tiny-checkpoint-legacy.pth.tar")]
    public void Any_corrupted_byte_gives_a_readable_result_or_InvalidDataException(string file)
    {
        // The reader parses untrusted bytes: whatever one byte becomes, it must not crash with another exception type.
        byte[] original = File.ReadAllBytes(Fixture(file));
        string path = Path.Combine(Path.GetTempPath(), $"mlnetmoco-fuzz-{Guid.NewGuid():N}.pth.tar");
        int refused = 0;
        try
        {
            for (int i = 0; i < original.Length; i++)
            {
                byte value = i % 2 == 0 ? (byte)(original[i] ^ 0xFF) : (byte)(original[i] + 1);
                {
                    byte[] bytes = (byte[])original.Clone();
                    bytes[i] = value;
                    File.WriteAllBytes(path, bytes);
                    try
                    {
                        using var read = StateDictImport.ReadAll(path);
                    }
                    catch (InvalidDataException)
                    {
                        refused++;
                    }
                    catch (Exception e)
                    {
                        Assert.Fail($"byte {i} set to 0x{value:x2}: {e.GetType().Name}: {e.Message}");
                    }
                }
            }
        }
        finally
        {
            File.Delete(path);
        }
        Assert.True(refused > original.Length / 8, $"only {refused} of {original.Length} corruptions were noticed");
    }

    [Fact]
    public void An_unknown_file_format_is_named_with_its_first_bytes()
    {
        string path = Path.Combine(Path.GetTempPath(), $"mlnetmoco-text-{Guid.NewGuid():N}.pth");
        try
        {
            File.WriteAllText(path, "hello, not weights");
            var e = Assert.Throws<InvalidDataException>(() => StateDictImport.Read(path));
            Assert.Contains("of no format this library reads", e.Message);
            Assert.Contains("68656C6C6F", e.Message);
            File.WriteAllBytes(path, []);
            Assert.Contains("is empty", Assert.Throws<InvalidDataException>(() => StateDictImport.Read(path)).Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static string DTypeName(ScalarType type) => type switch
    {
        ScalarType.Float32 => "float32",
        ScalarType.Float64 => "float64",
        ScalarType.Float16 => "float16",
        ScalarType.Int64 => "int64",
        ScalarType.Bool => "bool",
        _ => type.ToString(),
    };
}
