namespace MlNetMoco.Demo.Reporting;

/// <summary>Elapsed times as the console prints them.</summary>
public static class Duration
{
    /// <summary>"mm:ss" under an hour, "h:mm:ss" from an hour on (a plain mm:ss format drops the hours).</summary>
    /// <param name="span">A non-negative time span.</param>
    public static string Format(TimeSpan span) => span.TotalHours >= 1
        ? $"{(int)span.TotalHours}:{span:mm\\:ss}"
        : $"{span:mm\\:ss}";
}
