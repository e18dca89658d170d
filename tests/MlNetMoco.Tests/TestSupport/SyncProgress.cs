namespace MlNetMoco.Tests.TestSupport;

/// <summary>An IProgress that calls back on the reporting thread (Progress&lt;T&gt; posts asynchronously).</summary>
public sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
