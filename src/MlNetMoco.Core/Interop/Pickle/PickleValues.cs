namespace MlNetMoco.Core.Interop.Pickle;

/// <summary>A reference to a Python global (<c>module.name</c>) read from a pickle; never imported or executed.</summary>
/// <param name="Module">The module, e.g. <c>torch._utils</c>.</param>
/// <param name="Name">The attribute, e.g. <c>_rebuild_tensor_v2</c>.</param>
internal sealed record PyGlobal(string Module, string Name)
{
    /// <inheritdoc />
    public override string ToString() => $"{Module}.{Name}";
}

/// <summary>
/// A Python object the reader does not rebuild (e.g. an <c>argparse.Namespace</c> or a NumPy scalar): its class, its
/// constructor arguments and the state given to it, kept as plain values so the rest of the file can still be read.
/// </summary>
/// <param name="Class">The class or callable that would have built it.</param>
/// <param name="Arguments">Its arguments.</param>
internal sealed class PyObject(PyGlobal Class, object?[] Arguments)
{
    /// <summary>The class or callable that would have built it.</summary>
    public PyGlobal Class { get; } = Class;

    /// <summary>Its constructor arguments.</summary>
    public object?[] Arguments { get; } = Arguments;

    /// <summary>The state passed by BUILD (usually a dict of attributes), or null.</summary>
    public object? State { get; set; }

    /// <inheritdoc />
    public override string ToString() => $"a {Class} object";
}

/// <summary>A Python dict (or <c>collections.OrderedDict</c>), keys in insertion order.</summary>
internal sealed class PyDict
{
    private readonly OrderedDictionary<object, object?> _items = new();

    /// <summary>The items in insertion order.</summary>
    public IEnumerable<KeyValuePair<object, object?>> Items => _items;

    /// <summary>Number of items.</summary>
    public int Count => _items.Count;

    /// <summary>Attributes set by BUILD (an OrderedDict's <c>_metadata</c>), or null.</summary>
    public object? Attributes { get; set; }

    /// <summary>Sets <paramref name="key"/> (None keys are refused: no checkpoint uses them).</summary>
    public void Set(object? key, object? value) =>
        _items[key ?? throw new InvalidDataException("a dict has a None key")] = value;

    /// <summary>The value of a string key, or false.</summary>
    public bool TryGet(string key, out object? value) => _items.TryGetValue(key, out value);
}

/// <summary>Describes unpickled values in error messages.</summary>
internal static class PyValues
{
    /// <summary>A short description, e.g. "a dict of 4 items" or "the string 'resnet50'".</summary>
    public static string Describe(object? value) => value switch
    {
        null => "None",
        PyDict d => $"a dict of {d.Count} items",
        List<object?> l => $"a list of {l.Count} items",
        object?[] t => $"a tuple of {t.Length} items",
        string s => $"the string '{(s.Length > 40 ? s[..40] + "…" : s)}'",
        byte[] b => $"{b.Length} bytes",
        PyObject o => o.ToString(),
        _ => $"the {value.GetType().Name} {value}",
    };
}
