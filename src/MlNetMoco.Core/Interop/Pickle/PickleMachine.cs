using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace MlNetMoco.Core.Interop.Pickle;

/// <summary>
/// A restricted reader of Python's pickle format (protocols 0 to 5), enough for files written by <c>torch.save</c>.
/// Like PyTorch's <c>weights_only</c> loading it never imports or runs anything: globals become
/// <see cref="PyGlobal"/> references that an <see cref="IPickleHost"/> may give a meaning to; any other call yields an
/// inert <see cref="PyObject"/>. Values: None → null, bool, int → long (or <see cref="BigInteger"/>), float → double,
/// str → string, bytes → byte[], tuple → object?[], list and set → List&lt;object?&gt;, dict → <see cref="PyDict"/>.
/// </summary>
internal sealed class PickleMachine
{
    private const int MaxStringBytes = 64 << 20;

    private readonly Stream _stream;
    private readonly IPickleHost _host;
    private readonly string _source;
    private readonly List<object?> _stack = new();
    private readonly Stack<int> _marks = new();
    private readonly Dictionary<long, object?> _memo = new();
    private long _read;

    private PickleMachine(Stream stream, IPickleHost host, string source)
    {
        _stream = stream;
        _host = host;
        _source = source;
    }

    /// <summary>Reads one pickle from <paramref name="stream"/> (left just after its STOP opcode).</summary>
    /// <param name="stream">Positioned at the pickle.</param>
    /// <param name="host">Gives meaning to calls and persistent ids.</param>
    /// <param name="source">Subject of error messages, e.g. "The PyTorch file 'a.pth'".</param>
    /// <exception cref="InvalidDataException">The data ends early ("truncated") or is not a valid pickle ("corrupt").</exception>
    public static object? Load(Stream stream, IPickleHost host, string source) => new PickleMachine(stream, host, source).Run();

    private object? Run()
    {
        while (true)
        {
            long at = _read;
            byte op = ReadByte();
            try
            {
                if (Step(op)) return Pop();
            }
            catch (Exception e) when (e is ArgumentException or FormatException or OverflowException or KeyNotFoundException or InvalidOperationException)
            {
                throw Corrupt($"opcode 0x{op:x2} at byte {at} cannot be applied ({e.Message})");
            }
        }
    }

    /// <summary>Executes one opcode; true at STOP.</summary>
    private bool Step(byte op)
    {
        switch (op)
        {
            case (byte)'.': return true; // STOP
            case 0x80: ReadByte(); break; // PROTO
            case 0x95: ReadBytes(8); break; // FRAME: framing is transparent to a sequential reader
            case (byte)'(': _marks.Push(_stack.Count); break; // MARK
            case (byte)'0': if (_stack.Count > 0) Pop(); else PopMark(); break; // POP
            case (byte)'1': PopMark(); break; // POP_MARK
            case (byte)'2': Push(Peek()); break; // DUP
            case (byte)'N': Push(null); break;
            case 0x88: Push(true); break;
            case 0x89: Push(false); break;
            case (byte)'I': Push(ParseInt(ReadLine())); break;
            case (byte)'J': Push((long)BinaryPrimitives.ReadInt32LittleEndian(ReadBytes(4))); break;
            case (byte)'K': Push((long)ReadByte()); break;
            case (byte)'M': Push((long)BinaryPrimitives.ReadUInt16LittleEndian(ReadBytes(2))); break;
            case (byte)'L': Push(Narrow(BigInteger.Parse(ReadLine().TrimEnd('L')))); break;
            case 0x8a: Push(Narrow(new BigInteger(ReadBytes(ReadByte()), isUnsigned: false, isBigEndian: false))); break;
            case 0x8b: Push(Narrow(new BigInteger(ReadBytes(ReadLength(4)), isUnsigned: false, isBigEndian: false))); break;
            case (byte)'F': Push(double.Parse(ReadLine(), System.Globalization.CultureInfo.InvariantCulture)); break;
            case (byte)'G': Push(BinaryPrimitives.ReadDoubleBigEndian(ReadBytes(8))); break;
            case (byte)'S': Push(ReadLine().Trim('\'', '"')); break;
            case (byte)'T': Push(Encoding.Latin1.GetString(ReadBytes(ReadLength(4)))); break;
            case (byte)'U': Push(Encoding.Latin1.GetString(ReadBytes(ReadByte()))); break;
            case (byte)'V': Push(ReadLine()); break;
            case (byte)'X': Push(Utf8(ReadBytes(ReadLength(4)))); break;
            case 0x8c: Push(Utf8(ReadBytes(ReadByte()))); break;
            case 0x8d: Push(Utf8(ReadBytes(ReadLength(8)))); break;
            case (byte)'B': Push(ReadBytes(ReadLength(4))); break;
            case (byte)'C': Push(ReadBytes(ReadByte())); break;
            case 0x8e: case 0x96: Push(ReadBytes(ReadLength(8))); break;
            case 0x98: break; // READONLY_BUFFER
            case (byte)')': Push(Array.Empty<object?>()); break;
            case (byte)'t': Push(PopMark().ToArray()); break;
            case 0x85: Push(new[] { Pop() }); break;
            case 0x86: { var b = Pop(); var a = Pop(); Push(new[] { a, b }); break; }
            case 0x87: { var c = Pop(); var b = Pop(); var a = Pop(); Push(new[] { a, b, c }); break; }
            case (byte)']': Push(new List<object?>()); break;
            case (byte)'l': Push(PopMark()); break;
            case (byte)'a': { var v = Pop(); Expect<List<object?>>(Peek(), "APPEND").Add(v); break; }
            case (byte)'e': { var items = PopMark(); Expect<List<object?>>(Peek(), "APPENDS").AddRange(items); break; }
            case 0x8f: Push(new List<object?>()); break; // EMPTY_SET
            case 0x90: { var items = PopMark(); Expect<List<object?>>(Peek(), "ADDITEMS").AddRange(items); break; }
            case 0x91: Push(PopMark()); break; // FROZENSET
            case (byte)'}': Push(new PyDict()); break;
            case (byte)'d': Push(ToDict(PopMark())); break;
            case (byte)'s': { var v = Pop(); var k = Pop(); Expect<PyDict>(Peek(), "SETITEM").Set(k, v); break; }
            case (byte)'u': { var items = PopMark(); var d = Expect<PyDict>(Peek(), "SETITEMS"); for (int i = 0; i + 1 < items.Count; i += 2) d.Set(items[i], items[i + 1]); break; }
            case (byte)'p': _memo[long.Parse(ReadLine())] = Peek(); break;
            case (byte)'q': _memo[ReadByte()] = Peek(); break;
            case (byte)'r': _memo[BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4))] = Peek(); break;
            case 0x94: _memo[_memo.Count] = Peek(); break; // MEMOIZE
            case (byte)'g': Push(Memo(long.Parse(ReadLine()))); break;
            case (byte)'h': Push(Memo(ReadByte())); break;
            case (byte)'j': Push(Memo(BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4)))); break;
            case (byte)'c': Push(new PyGlobal(ReadLine(), ReadLine())); break;
            case 0x93: { var name = Expect<string>(Pop(), "STACK_GLOBAL"); var module = Expect<string>(Pop(), "STACK_GLOBAL"); Push(new PyGlobal(module, name)); break; }
            case (byte)'R': { var args = Expect<object?[]>(Pop(), "REDUCE"); Push(Call(Pop(), args)); break; }
            case 0x81: { var args = Expect<object?[]>(Pop(), "NEWOBJ"); Push(Call(Pop(), args)); break; }
            case 0x92: { Pop(); var args = Expect<object?[]>(Pop(), "NEWOBJ_EX"); Push(Call(Pop(), args)); break; } // kwargs dropped
            case (byte)'i': { var cls = new PyGlobal(ReadLine(), ReadLine()); Push(Call(cls, PopMark().ToArray())); break; } // INST
            case (byte)'o': { var items = PopMark(); if (items.Count == 0) throw Corrupt("has an empty OBJ"); Push(Call(items[0], items.Skip(1).ToArray())); break; } // OBJ
            case (byte)'b': Build(Pop(), Peek()); break;
            case (byte)'P': Push(_host.PersistentLoad(ReadLine())); break;
            case (byte)'Q': Push(_host.PersistentLoad(Pop())); break;
            case 0x82: case 0x83: case 0x84:
                throw Corrupt($"uses the copyreg extension registry (opcode 0x{op:x2}), which PyTorch files never use");
            case 0x97:
                throw Corrupt("uses out-of-band buffers (pickle protocol 5 NEXT_BUFFER), which PyTorch files never use");
            default:
                throw Corrupt($"has unknown pickle opcode 0x{op:x2} at byte {_read - 1}");
        }
        return false;
    }

    private object? Call(object? callable, object?[] arguments) => callable is PyGlobal global
        ? _host.Call(global, arguments)
        : throw Corrupt($"calls {Describe(callable)}, which is not a global");

    /// <summary>The value as a <typeparamref name="T"/>, or a "corrupt" error naming the opcode that needed it.</summary>
    private T Expect<T>(object? value, string opcode) where T : class =>
        value as T ?? throw Corrupt($"applies {opcode} to {PyValues.Describe(value)}");

    private static void Build(object? state, object? target)
    {
        switch (target)
        {
            case PyObject o: o.State = state; break;
            case PyDict d: d.Attributes = state; break;
        }
    }

    private static PyDict ToDict(List<object?> items)
    {
        var dict = new PyDict();
        for (int i = 0; i + 1 < items.Count; i += 2) dict.Set(items[i], items[i + 1]);
        return dict;
    }

    private object? Memo(long key) =>
        _memo.TryGetValue(key, out var value) ? value : throw Corrupt($"refers to memo entry {key}, which was never stored");

    private void Push(object? value) => _stack.Add(value);

    private object? Peek() => _stack.Count > 0 ? _stack[^1] : throw Corrupt("reads from an empty stack");

    private object? Pop()
    {
        if (_stack.Count == 0 || (_marks.Count > 0 && _marks.Peek() == _stack.Count))
            throw Corrupt("pops an empty stack");
        var value = _stack[^1];
        _stack.RemoveAt(_stack.Count - 1);
        return value;
    }

    private List<object?> PopMark()
    {
        if (_marks.Count == 0) throw Corrupt("closes a MARK that was never opened");
        int start = _marks.Pop();
        var items = _stack.GetRange(start, _stack.Count - start);
        _stack.RemoveRange(start, _stack.Count - start);
        return items;
    }

    private byte ReadByte()
    {
        int b = _stream.ReadByte();
        if (b < 0) throw Truncated();
        _read++;
        return (byte)b;
    }

    private byte[] ReadBytes(int count)
    {
        var bytes = new byte[count];
        if (_stream.ReadAtLeast(bytes, count, throwOnEndOfStream: false) < count) throw Truncated();
        _read += count;
        return bytes;
    }

    private int ReadLength(int size)
    {
        var bytes = ReadBytes(size);
        ulong length = size == 4 ? BinaryPrimitives.ReadUInt32LittleEndian(bytes) : BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (length > MaxStringBytes) throw Corrupt($"claims a {length}-byte value");
        if (_stream.CanSeek && (long)length > _stream.Length - _stream.Position) throw Truncated();
        return (int)length;
    }

    private string ReadLine()
    {
        var bytes = new List<byte>();
        for (byte b = ReadByte(); b != (byte)'\n'; b = ReadByte())
        {
            if (bytes.Count > 1 << 16) throw Corrupt("has a text line longer than 64 KiB");
            bytes.Add(b);
        }
        return Encoding.UTF8.GetString(bytes.ToArray()).TrimEnd('\r');
    }

    private string Utf8(byte[] bytes)
    {
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw Corrupt("has a string that is not UTF-8");
        }
    }

    private static object ParseInt(string text) => text switch
    {
        "01" => true,
        "00" => false,
        _ => Narrow(BigInteger.Parse(text)),
    };

    private static object Narrow(BigInteger value) =>
        value >= long.MinValue && value <= long.MaxValue ? (long)value : value;

    private static string Describe(object? value) => value switch
    {
        null => "None",
        PyObject o => o.ToString(),
        _ => $"a {value.GetType().Name}",
    };

    private InvalidDataException Truncated() =>
        new($"{_source} is truncated: its pickled data ends after {_read} bytes, before the end of the object.");

    private InvalidDataException Corrupt(string problem) => new($"{_source} is corrupt or not a pickle: it {problem}.");
}
