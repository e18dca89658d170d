using System.Globalization;
using System.Text.RegularExpressions;

namespace MlNetMoco.Demo.Jobs;

/// <summary>
/// The sweep's time budget for FineTuneMoCo candidates. A candidate runs only when the time already spent on
/// fine-tuning plus its estimate fits in the budget; the estimate is the measured seconds per image-epoch of the
/// candidate's cost class (first from a short calibration fit, then from every run of that class) × epochs × training
/// rows per fold × folds. Classes are kept apart because their rates differ several-fold: a frozen encoder has no
/// backward pass through the backbone, end-to-end fine-tuning has, so one pooled rate under-estimated the end-to-end
/// candidates (a 3-minute budget once overran by 27 s).
/// </summary>
public sealed partial class FineTuneBudget
{
    private readonly Dictionary<string, (double Seconds, double ImageEpochs)> _rates = new(StringComparer.Ordinal);

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

    /// <summary>Measured seconds per image per epoch of <paramref name="costClass"/>, or null before any measurement of it.</summary>
    /// <param name="costClass">The candidates' cost class (<see cref="SweepCandidate.CostClass"/>).</param>
    public double? SecondsPerImageEpoch(string costClass) =>
        _rates.TryGetValue(costClass, out var r) && r.ImageEpochs > 0 ? r.Seconds / r.ImageEpochs : null;

    /// <summary>Adds a measured run of <paramref name="costClass"/>: <paramref name="elapsed"/> for <paramref name="imageEpochs"/> images × epochs.</summary>
    public void Record(string costClass, TimeSpan elapsed, double imageEpochs)
    {
        ArgumentNullException.ThrowIfNull(costClass);
        ArgumentOutOfRangeException.ThrowIfLessThan(elapsed, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegative(imageEpochs);
        Spent += elapsed;
        var (seconds, work) = _rates.GetValueOrDefault(costClass);
        _rates[costClass] = (seconds + elapsed.TotalSeconds, work + imageEpochs);
    }

    /// <summary>The estimated time of a candidate of <paramref name="costClass"/>, or null before any measurement of that class.</summary>
    public TimeSpan? Estimate(string costClass, int epochs, int trainRowsPerFold, int folds) =>
        SecondsPerImageEpoch(costClass) is { } rate ? TimeSpan.FromSeconds(rate * epochs * (double)trainRowsPerFold * folds) : null;

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
