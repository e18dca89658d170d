using System.Globalization;

namespace MlNetMoco.Benchmarks;

/// <summary>The machine's load averages (Linux <c>/proc/loadavg</c>), to print beside every figure.</summary>
internal static class SystemLoad
{
    /// <summary>The 1-, 5- and 15-minute load averages, or NaNs where /proc/loadavg cannot be read.</summary>
    public static (double One, double Five, double Fifteen) Read()
    {
        try
        {
            var parts = File.ReadAllText("/proc/loadavg").Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return (Parse(parts[0]), Parse(parts[1]), Parse(parts[2]));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or IndexOutOfRangeException)
        {
            return (double.NaN, double.NaN, double.NaN);
        }
    }

    /// <summary>The 1-minute load average.</summary>
    public static double One() => Read().One;

    /// <summary>"load average 2.10, 3.40, 2.20 on 2 cores", as uptime prints it.</summary>
    public static string Describe()
    {
        var (one, five, fifteen) = Read();
        return string.Create(CultureInfo.InvariantCulture,
            $"load average {one:0.00}, {five:0.00}, {fifteen:0.00} on {Environment.ProcessorCount} core(s)");
    }

    private static double Parse(string text) => double.Parse(text, CultureInfo.InvariantCulture);
}
