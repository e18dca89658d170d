using MlNetMoco.Core.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Tests.Checkpoints;

public class TensorArchiveTests
{
    [Fact]
    public void Every_supported_element_type_round_trips_and_the_reader_stops_after_the_archive()
    {
        using var scope = NewDisposeScope();
        var tensors = new List<(string Name, Tensor Tensor)>
        {
            ("f32", tensor(new[] { 1.5f, -2f, float.NaN, 3e-38f }, new long[] { 2, 2 })),
            ("f64", tensor(new[] { Math.PI, -0.0 })),
            ("i64", tensor(new[] { long.MinValue, 7L, long.MaxValue })),
            ("u8", tensor(new byte[] { 0, 255 })),
            ("scalar", tensor(4.25f)),
            ("empty", zeros(new long[] { 0, 3 })),
            ("ünï", ones(1)),
        };
        byte[] archive = Archive(tensors);

        foreach (bool seekable in new[] { true, false })
        {
            var bytes = archive.Concat("tail"u8.ToArray()).ToArray();
            using Stream stream = seekable ? new MemoryStream(bytes) : new ForwardOnlyStream(bytes);
            using var reader = new BinaryReader(stream, TensorArchive.Utf8, leaveOpen: true);
            var read = TensorArchive.Read(reader);
            try
            {
                Assert.Equal(tensors.Select(t => t.Name), read.Select(t => t.Name));
                foreach (var ((_, expected), (_, actual)) in tensors.Zip(read))
                {
                    Assert.Equal(expected.dtype, actual.dtype);
                    Assert.Equal(expected.shape, actual.shape);
                    Assert.Equal(expected.bytes.ToArray(), actual.bytes.ToArray());
                    Assert.Equal(DeviceType.CPU, actual.device_type);
                }
                Assert.Equal("tail"u8.ToArray(), reader.ReadBytes(10)); // exactly the archive's bytes were read
            }
            finally
            {
                foreach (var (_, t) in read) t.Dispose();
            }
        }
    }

    [Fact]
    public void Unsupported_element_types_are_refused_before_anything_is_written()
    {
        using var scope = NewDisposeScope();
        using var stream = new MemoryStream();
        using var writer = new BinaryWriter(stream);
        var ex = Assert.Throws<NotSupportedException>(() =>
            TensorArchive.Write(writer, new[] { ("fine", ones(2)), ("flags", ones(2).to(ScalarType.Bool)) }));
        Assert.Contains("'flags'", ex.Message);
        Assert.Equal(0, stream.Length);
    }

    [Fact]
    public void Truncated_archives_say_truncated_wherever_they_end()
    {
        using var module = Module();
        byte[] archive = Archive(State(module));
        for (int length = 0; length < archive.Length; length++)
        {
            var ex = Assert.Throws<InvalidDataException>(() => TensorArchive.Read(Reader(archive[..length])));
            Assert.Contains("truncated", ex.Message);
            ex = Assert.Throws<InvalidDataException>(() =>
                TensorArchive.ReadInto(Reader(archive[..length], seekable: false), module, "The file", "the module"));
            Assert.Contains("truncated", ex.Message);
        }
    }

    [Fact]
    public void Impossible_counts_types_ranks_and_lengths_say_corrupt()
    {
        var cases = new Action<BinaryWriter>[]
        {
            w => w.Write(-1),
            w => w.Write(int.MaxValue),
            w => Header(w, "a", code: 262, new long[] { 1 }, 4),           // 262 would alias float32 (6) as a byte
            w => Header(w, "a", code: 6, new long[9], 0),                   // rank 9
            w => Header(w, "a", code: 6, new long[] { -1 }, -4),
            w => Header(w, "a", code: 6, new long[] { 3 }, 8),              // 3 floats are 12 bytes
            w => Header(w, "a", code: 6, new long[] { 1L << 40 }, 4L << 40), // past what an array can hold
            w => Header(w, "a", code: 6, new long[] { 1L << 40, 1L << 40 }, 0),
        };
        foreach (var write in cases)
        {
            using var stream = new MemoryStream();
            using (var writer = new BinaryWriter(stream, TensorArchive.Utf8, leaveOpen: true)) write(writer);
            var ex = Assert.Throws<InvalidDataException>(() => TensorArchive.Read(Reader(stream.ToArray(), seekable: false)));
            Assert.Contains("corrupt", ex.Message);
        }
    }

    [Fact]
    public void A_large_claimed_tensor_in_a_short_seekable_stream_is_truncated_without_allocating_it()
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, TensorArchive.Utf8, leaveOpen: true))
            Header(writer, "big", code: 6, new long[] { 500_000_000 }, 2_000_000_000);
        var ex = Assert.Throws<InvalidDataException>(() => TensorArchive.Read(Reader(stream.ToArray())));
        Assert.Contains("truncated", ex.Message);
    }

    [Fact]
    public void ReadInto_fills_the_module_and_names_the_first_mismatch()
    {
        using var source = Module();
        using (no_grad())
            foreach (var (_, t) in source.state_dict()) t.copy_(full(t.shape, 3, t.dtype));
        using var target = Module();
        TensorArchive.ReadInto(Reader(Archive(State(source))), target, "The file", "the module");
        foreach (var (name, t) in target.state_dict())
            Assert.True(t.eq(source.state_dict()[name]).all().item<bool>(), name);

        using var scope = NewDisposeScope();
        var state = State(source);
        string Error(IReadOnlyCollection<(string, Tensor)> tensors) =>
            Assert.Throws<InvalidDataException>(() => TensorArchive.ReadInto(Reader(Archive(tensors)), target, "The file", "the module")).Message;

        Assert.Equal("The file has tensor 'extra', which the module does not have.", Error(state.Append(("extra", ones(1))).ToList()));
        Assert.Equal("The file has tensor 'lin.bias' twice.", Error(state.Append(state[1]).ToList()));
        Assert.Equal("The file lacks tensor 'bn.num_batches_tracked' of the module.", Error(state.SkipLast(1).ToList()));
        Assert.Equal("The file has tensor 'lin.weight' with shape [3, 2], the module expects [2, 3].",
            Error(state.Select(t => t.Name == "lin.weight" ? (t.Name, t.Tensor.t()) : t).ToList()));
        Assert.Equal("The file has tensor 'bn.num_batches_tracked' as Float32, the module expects Int64.",
            Error(state.Select(t => t.Name == "bn.num_batches_tracked" ? (t.Name, t.Tensor.to(ScalarType.Float32)) : t).ToList()));
    }

    [Fact]
    public void LoadInto_copies_nothing_when_a_tensor_does_not_match()
    {
        using var scope = NewDisposeScope();
        using var module = Module();
        var before = State(module).Select(t => t.Tensor.clone()).ToList();
        var tensors = State(module).Select(t => (t.Name, full(t.Tensor.shape, 5, t.Tensor.dtype))).ToList();
        tensors[^1] = ("bn.unknown", tensors[^1].Item2);

        var ex = Assert.Throws<InvalidDataException>(() => TensorArchive.LoadInto(module, tensors, "Checkpoint 'x'"));
        Assert.Contains("'bn.unknown'", ex.Message);
        foreach (var (t, old) in State(module).Select(t => t.Tensor).Zip(before))
            Assert.True(t.eq(old).all().item<bool>());

        tensors.RemoveAt(tensors.Count - 1);
        ex = Assert.Throws<InvalidDataException>(() => TensorArchive.LoadInto(module, tensors, "Checkpoint 'x'"));
        Assert.Contains("lacks", ex.Message);
        Assert.Contains("'bn.num_batches_tracked'", ex.Message);
    }

    /// <summary>A linear layer and a BatchNorm (float32 parameters and buffers, an int64 counter).</summary>
    private static nn.Module Module() =>
        nn.Sequential(("lin", nn.Linear(3, 2)), ("bn", nn.BatchNorm1d(2)));

    private static List<(string Name, Tensor Tensor)> State(nn.Module module) =>
        module.state_dict().Select(p => (p.Key, p.Value)).ToList();

    private static byte[] Archive(IReadOnlyCollection<(string, Tensor)> tensors)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, TensorArchive.Utf8, leaveOpen: true)) TensorArchive.Write(writer, tensors);
        return stream.ToArray();
    }

    private static BinaryReader Reader(byte[] bytes, bool seekable = true) =>
        new(seekable ? new MemoryStream(bytes) : new ForwardOnlyStream(bytes), TensorArchive.Utf8);

    /// <summary>A one-tensor archive's count and tensor header, without the data.</summary>
    private static void Header(BinaryWriter writer, string name, int code, long[] shape, long byteLength)
    {
        writer.Write(1);
        writer.Write(name);
        writer.Write(code);
        writer.Write(shape.Length);
        foreach (long d in shape) writer.Write(d);
        writer.Write(byteLength);
    }

    /// <summary>A stream that can only be read forwards, like a zip entry's.</summary>
    private sealed class ForwardOnlyStream(byte[] bytes) : Stream
    {
        private readonly MemoryStream _inner = new(bytes);

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, Math.Min(count, 3));
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
