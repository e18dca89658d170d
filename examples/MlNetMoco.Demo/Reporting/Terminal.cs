using Spectre.Console;

namespace MlNetMoco.Demo.Reporting;

/// <summary>Decides between live console output (progress bars, tables) and plain log lines.</summary>
public static class Terminal
{
    /// <summary>
    /// True when standard output is a terminal: not redirected, <c>TERM</c> is not <c>dumb</c> and the <c>CI</c>
    /// environment variable is unset (or <c>false</c>/<c>0</c>).
    /// </summary>
    public static bool IsInteractive
    {
        get
        {
            if (Console.IsOutputRedirected) return false;
            if (string.Equals(Environment.GetEnvironmentVariable("TERM"), "dumb", StringComparison.Ordinal)) return false;
            string? ci = Environment.GetEnvironmentVariable("CI");
            return string.IsNullOrEmpty(ci) || ci.Equals("false", StringComparison.OrdinalIgnoreCase) || ci == "0";
        }
    }

    /// <summary>
    /// The Spectre console to draw on: the process console, or one 160 columns wide that writes (with ANSI
    /// sequences) to <paramref name="output"/> when given (tests).
    /// </summary>
    internal static IAnsiConsole SpectreConsole(TextWriter? output)
    {
        if (output is null) return AnsiConsole.Console;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = AnsiSupport.Yes,
            ColorSystem = ColorSystemSupport.Standard,
            Interactive = InteractionSupport.Yes,
        });
        console.Profile.Width = 160;
        return console;
    }
}
