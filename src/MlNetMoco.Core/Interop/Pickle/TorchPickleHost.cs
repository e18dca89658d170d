using System.Text;

namespace MlNetMoco.Core.Interop.Pickle;

/// <summary>
/// Gives the globals of <c>torch.save</c> pickles their meaning, and nothing else: <c>collections.OrderedDict</c> →
/// <see cref="PyDict"/>; <c>torch._utils._rebuild_tensor(_v2)</c> → <see cref="TorchTensorRef"/>;
/// <c>torch._utils._rebuild_parameter(_with_state)</c> → its tensor; <c>_codecs.encode</c> → bytes. Every other
/// global gives an inert <see cref="PyObject"/>. Persistent ids (storages) go to the format's own loader.
/// </summary>
internal sealed class TorchPickleHost(Func<object?, object?> persistentLoad) : IPickleHost
{
    /// <inheritdoc />
    public object? Call(PyGlobal callable, object?[] arguments) => (callable.Module, callable.Name) switch
    {
        ("collections", "OrderedDict") or ("builtins", "dict") or ("__builtin__", "dict") when arguments.Length == 0 => new PyDict(),
        ("torch._utils", "_rebuild_tensor_v2") or ("torch._utils", "_rebuild_tensor") => RebuildTensor(callable, arguments),
        ("torch._utils", "_rebuild_parameter") or ("torch._utils", "_rebuild_parameter_with_state") when arguments.Length > 0 => arguments[0],
        ("_codecs", "encode") when arguments is [string text, ..] => Encoding.Latin1.GetBytes(text),
        _ => new PyObject(callable, arguments),
    };

    /// <inheritdoc />
    public object? PersistentLoad(object? id) => persistentLoad(id);

    private static object RebuildTensor(PyGlobal callable, object?[] arguments)
    {
        if (arguments is [TorchStorage storage, long offset, object?[] size, object?[] stride, ..]
            && size.All(d => d is long) && stride.All(d => d is long))
            return new TorchTensorRef(storage, offset, size.Cast<long>().ToArray(), stride.Cast<long>().ToArray());
        return new PyObject(callable, arguments);
    }
}
