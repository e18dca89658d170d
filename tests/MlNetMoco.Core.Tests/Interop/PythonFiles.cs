using System.Collections.Concurrent;

[assembly: AssemblyFixture(typeof(MlNetMoco.Core.Tests.Interop.PythonFiles))]

namespace MlNetMoco.Core.Tests.Interop;

/// <summary>
/// Files written by PyTorch through the scripts in <c>Interop/python</c>, made once per test run on first use and
/// shared by the tests (a ResNet-50 MoCo checkpoint takes a while to write); deleted at the end of the run.
/// </summary>
public sealed class PythonFiles : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<string>> _files = new();

    /// <summary>The folder of the generated files.</summary>
    public string Folder { get; } = Directory.CreateTempSubdirectory("mlnetmoco-interop-").FullName;

    /// <summary>The folder of the scripts (copied next to the test assembly).</summary>
    public static string Scripts => Path.Combine(AppContext.BaseDirectory, "Interop", "python");

    /// <summary>The committed fixtures (small files PyTorch wrote, see make_fixtures.py).</summary>
    public static string Fixtures => Path.Combine(AppContext.BaseDirectory, "Interop", "Fixtures");

    /// <summary>
    /// The file <c>write_weights.py KIND --out NAME --probe NAME.probe ARGS</c> writes (made on first request; skips the
    /// test when PyTorch is missing). Returns the path; the probe, when written, is <c>path + ".probe"</c>.
    /// </summary>
    public string Weights(string name, string kind, params string[] arguments)
    {
        string python = OptionalPython.Require();
        var lazy = _files.GetOrAdd(name, _ => new Lazy<string>(() =>
        {
            string path = Path.Combine(Folder, name);
            RunScript(python, "write_weights.py", [kind, "--out", path, "--probe", path + ".probe", .. arguments]);
            return path;
        }));
        return lazy.Value;
    }

    /// <summary>Runs a script of <c>Interop/python</c>; fails the test with the script's output when it exits non-zero.</summary>
    public static string RunScript(string python, string script, IEnumerable<string> arguments, int timeoutSeconds = 600)
    {
        var (exit, output) = OptionalPython.Run(python, [Path.Combine(Scripts, script), .. arguments], Scripts, timeoutSeconds);
        Assert.True(exit == 0, $"{script} failed (exit {exit}):\n{output}");
        return output;
    }

    /// <summary>Deletes the generated files.</summary>
    public void Dispose()
    {
        try { Directory.Delete(Folder, recursive: true); }
        catch (IOException) { }
    }
}
