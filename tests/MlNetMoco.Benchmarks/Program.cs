namespace MlNetMoco.Benchmarks;

/// <summary>
/// Entry point: <c>dotnet run -c Release --project tests/MlNetMoco.Benchmarks -- [pretrain|transform|bridge|all]
/// [--device cpu|cuda] [--quick]</c>. Prints the environment (one line of <c>TorchDiagnostics.Describe</c>), then a
/// table of figures, each beside its bare reference cost on the same device.
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        CommandLine commandLine;
        try
        {
            commandLine = CommandLine.Parse(args);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine(CommandLine.Usage);
            return 2;
        }

        if (commandLine.Help)
        {
            Console.WriteLine(CommandLine.Usage);
            return 0;
        }

        try
        {
            _ = commandLine.Settings.Device; // an unknown or unavailable device fails here, with its own message
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }

        return commandLine.RunCaseId is { } caseId
            ? CaseHost.RunChild(caseId, commandLine.ResultFile!, commandLine.Settings)
            : BenchmarkRunner.Run(commandLine);
    }
}
