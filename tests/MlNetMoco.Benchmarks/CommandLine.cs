namespace MlNetMoco.Benchmarks;

/// <summary>The parsed command line.</summary>
/// <param name="Benchmarks">The benchmarks to run, in registry order.</param>
/// <param name="Settings">Device and size of the run.</param>
/// <param name="CaseFilter">Only the cases whose id contains this text (null: all cases of the chosen benchmarks).</param>
/// <param name="InProcess">Run every case in this process (faster to debug; peak memory figures then accumulate).</param>
/// <param name="List">Only list the cases.</param>
/// <param name="Help">Only print the usage.</param>
/// <param name="RunCaseId">Internal: the case a child process runs.</param>
/// <param name="ResultFile">Internal: where a child process writes its result.</param>
internal sealed record CommandLine(
    IReadOnlyList<IBenchmark> Benchmarks,
    BenchmarkSettings Settings,
    string? CaseFilter,
    bool InProcess,
    bool List,
    bool Help,
    string? RunCaseId,
    string? ResultFile)
{
    /// <summary>Internal option: run one case and write its result (used by the parent process).</summary>
    public const string RunCaseOption = "--run-case";

    /// <summary>Internal option: the result file of <see cref="RunCaseOption"/>.</summary>
    public const string ResultFileOption = "--result-file";

    /// <summary>The usage text.</summary>
    public static string Usage =>
        "usage: dotnet run -c Release --project tests/MlNetMoco.Benchmarks -- [" +
        string.Join('|', BenchmarkRegistry.All.Select(b => b.Name)) + "|all]... [--device cpu|cuda|cuda:N|auto] [--quick] [--store-gb N] [--case TEXT] [--in-process] [--list]\n" +
        string.Concat(BenchmarkRegistry.All.Select(b => $"  {b.Name,-10} {b.Description}\n")) +
        "  --device     where to run (default auto: CUDA when torch.cuda.is_available(), else CPU)\n" +
        "  --quick      fewer steps and repetitions; skips ResNet-50 on the CPU\n" +
        "  --store-gb N size of the pixel store pixelstore/large writes to the temp folder, reads and deletes (default 1 quick, 2 full)\n" +
        "  --case TEXT  only the cases whose id contains TEXT (see --list)\n" +
        "  --in-process run the cases in this process instead of one child process each (peak memory then accumulates)\n" +
        "  --list       list the cases and exit";

    /// <summary>Parses <paramref name="args"/>.</summary>
    /// <exception cref="ArgumentException">An unknown benchmark or option, or a missing option value.</exception>
    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        var chosen = new HashSet<IBenchmark>();
        string device = "auto";
        bool quick = false, inProcess = false, list = false, help = false;
        string? runCase = null, resultFile = null, filter = null;
        double? storeGigabytes = null;
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"Option {arg} needs a value.");
            switch (arg)
            {
                case "--device": device = Value(); break;
                case "--quick": quick = true; break;
                case "--case": filter = Value(); break;
                case "--store-gb":
                    storeGigabytes = double.TryParse(Value(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double gb) && gb > 0
                        ? gb : throw new ArgumentException("--store-gb needs a positive number of gigabytes.");
                    break;
                case "--in-process": inProcess = true; break;
                case "--list": list = true; break;
                case "-h" or "--help": help = true; break;
                case RunCaseOption: runCase = Value(); break;
                case ResultFileOption: resultFile = Value(); break;
                case "all": foreach (var b in BenchmarkRegistry.All) chosen.Add(b); break;
                default:
                    chosen.Add(BenchmarkRegistry.Find(arg)
                        ?? throw new ArgumentException($"Unknown benchmark or option '{arg}'."));
                    break;
            }
        }
        if (runCase is not null && resultFile is null)
            throw new ArgumentException($"{RunCaseOption} needs {ResultFileOption}.");
        var benchmarks = chosen.Count == 0 ? BenchmarkRegistry.All : BenchmarkRegistry.All.Where(chosen.Contains).ToList();
        return new CommandLine(benchmarks, new BenchmarkSettings(device, quick, storeGigabytes), filter, inProcess, list, help, runCase, resultFile);
    }
}
