using Microsoft.ML.Runtime;

namespace MlNetMoco.Logging;

/// <summary>
/// Where the adapter's messages go: the ML.NET channel of an environment (<c>MLContext.Log</c>) when one is known,
/// and the user's <see cref="MoCoOptions.Log"/> callback. Thread-safe.
/// </summary>
internal sealed class MoCoLog
{
    private readonly IChannelProvider? _environment;
    private readonly Action<string>? _callback;

    public MoCoLog(IChannelProvider? environment, Action<string>? callback)
    {
        _environment = environment;
        _callback = callback;
    }

    /// <summary>A log that drops everything.</summary>
    public static MoCoLog None { get; } = new(null, null);

    /// <summary>The environment, when one is known.</summary>
    public IChannelProvider? Environment => _environment;

    /// <summary>An informational message.</summary>
    public void Info(string message)
    {
        if (_environment != null)
            using (var channel = _environment.Start("MoCo"))
                channel.Info(MessageSensitivity.None, message);
        _callback?.Invoke(message);
    }

    /// <summary>A warning.</summary>
    public void Warning(string message)
    {
        if (_environment != null)
            using (var channel = _environment.Start("MoCo"))
                channel.Warning(MessageSensitivity.None, message);
        _callback?.Invoke("Warning: " + message);
    }
}
