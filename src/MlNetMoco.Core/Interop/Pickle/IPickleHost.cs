namespace MlNetMoco.Core.Interop.Pickle;

/// <summary>
/// What a <see cref="PickleMachine"/> cannot decide by itself: what a call of a Python global builds, and what a
/// persistent id refers to. The host decides which globals mean something; everything else stays an inert
/// <see cref="PyObject"/>, so no code named by a file is ever run.
/// </summary>
internal interface IPickleHost
{
    /// <summary>The value of <c>callable(*arguments)</c> (REDUCE, NEWOBJ, NEWOBJ_EX, INST, OBJ).</summary>
    /// <param name="callable">The global being called.</param>
    /// <param name="arguments">Its positional arguments.</param>
    object? Call(PyGlobal callable, object?[] arguments);

    /// <summary>The object a persistent id stands for (PyTorch: a tensor storage).</summary>
    /// <param name="id">The id as unpickled (PyTorch: a tuple starting with "storage").</param>
    object? PersistentLoad(object? id);
}
