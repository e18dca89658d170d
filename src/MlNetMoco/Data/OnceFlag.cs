namespace MlNetMoco.Data;

/// <summary>A thread-safe flag that can be set once, for "warn once" messages.</summary>
internal sealed class OnceFlag
{
    private int _set;

    /// <summary>True the first time it is called, false after.</summary>
    public bool TrySet() => Interlocked.Exchange(ref _set, 1) == 0;
}
