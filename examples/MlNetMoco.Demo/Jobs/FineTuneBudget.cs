using System.Globalization;
using System.Text.RegularExpressions;

namespace MlNetMoco.Demo.Jobs;

/// <summary>
/// The sweep's time budget for FineTuneMoCo candidates. A candidate runs only when the time already spent on
/// fine-tuning plus its estimate fits in the budget; the estimate is the measured seconds per image-epoch (first from
/// a short calibration fit, then from every candidate run) × epochs × training rows per fold × folds.
/// </summary>
public sealed partial class FineTuneBudget
{
    private double _seconds;
    private double _imageEpochs;

    /// <summary>Creates a budget of <paramref name="budget"/> (zero: no fine-tuning).</summary>
    public FineTuneBudget(TimeSpan budget)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(budget, TimeSpan.Zero);
        Budget = budget;
    }

    /// <summary>The whole budget.</summary>
    public TimeSpan Budget { get; }

    /// <summary>Time spent on fine-tuning so far (calibration included).</summary>
    public TimeSpan Spent { get; private set; }

    /// <summary>What is left of the budget (never negative).</summary>
    public TimeSpan Left => Spent >= Budget ? TimeSpan.Zero : Budget - Spent;

    /// <summary>Measured seconds per image per epoch, or null before any measurement.</summary>
    public double? SecondsPerImageEpoch => _imageEpochs > 0 ? _seconds / _imageEpochs : null;

    /// <summary>Adds a measured run: <paramref name="elapsed"/> for <paramref name="imageEpochs"/> images × epochs.</summary>
    public void Record(TimeSpan elapsed, double imageEpochs)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(elapsed, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegative(imageEpochs);
        Spent += elapsed;
        _seconds += elapsed.TotalSeconds;
        _imageEpochs += imageEpochs;
    }

    /// <summary>The estimated time of a candidate, or null before any measurement.</summary>
    public TimeSpan? Estimate(int epochs, int trainRowsPerFold, int folds) =>
        SecondsPerImageEpoch is { } rate ? TimeSpan.FromSeconds(rate * epochs * (double)trainRowsPerFold * folds) : null;

    /// <summary>True when <paramref name="estimate"/> fits in what is left.</summary>
    public bool Fits(TimeSpan estimate) => Spent + estimate <= Budget;

    /// <summary>Parses "10m", "90s", "1h", "1h30m", "2m30s" or a plain number of minutes ("0" turns fine-tuning off).</summary>
    /// <exception cref="FormatException">Anything else.</exception>
    public static TimeSpan Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string t = text.Trim().ToLowerInvariant();
        if (double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out double minutes) && minutes >= 0)
            return TimeSpan.FromMinutes(minutes);
        var match = DurationPattern().Match(t);
        if (!match.Success || t.Length == 0)
            throw new FormatException($"'{text}' is not a duration: expected e.g. 10m, 90s, 1h30m or a number of minutes.");
        double Part(string name) => match.Groups[name].Success ? double.Parse(match.Groups[name].Value, CultureInfo.InvariantCulture) : 0;
        return TimeSpan.FromHours(Part("h")) + TimeSpan.FromMinutes(Part("m")) + TimeSpan.FromSeconds(Part("s"));
    }

    /// <summary>"1h 05m", "4m 10s" or "12s".</summary>
    public static string Format(TimeSpan span) => span.TotalHours >= 1
        ? $"{(int)span.TotalHours}h {span.Minutes:00}m"
        : span.TotalMinutes >= 1 ? $"{(int)span.TotalMinutes}m {span.Seconds:00}s" : $"{span.TotalSeconds:F0}s";

    [GeneratedRegex(@"^(?:(?<h>\d+(?:\.\d+)?)h)?(?:(?<m>\d+(?:\.\d+)?)m)?(?:(?<s>\d+(?:\.\d+)?)s)?$")]
    private static partial Regex DurationPattern();
}
