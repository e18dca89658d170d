using MlNetMoco.Core.Tests.Interop;

namespace MlNetMoco.Core.Tests.Onnx;

/// <summary>
/// The reference ONNX checker (Python <c>onnx.checker</c>, full check) from Debian's python3-onnx, an optional tool
/// (<see cref="OptionalTool"/>): without it the checker tests skip visibly, or fail when
/// <c>MLNETMOCO_REQUIRE_OPTIONAL_TOOLS=1</c>.
/// </summary>
internal static class OnnxChecker
{
    // Names from the module, not just "import onnx": an empty onnx folder imports as a namespace package.
    private const string Imports = "from onnx import checker, load";
    private const string Package = "python3-onnx";
    private const string What = "Python with the onnx module (onnx.checker)";
    private const string Script = "import onnx,sys; m=onnx.load(sys.argv[1]); onnx.checker.check_model(m, full_check=True)";

    /// <summary>The interpreter with onnx, or null: for a test that first checks what needs nothing optional.</summary>
    public static string? Find() => OptionalPython.Find(Imports).Python;

    /// <summary>
    /// The interpreter with onnx; when missing, skips (or fails in strict mode) and says what the test
    /// <paramref name="checkedSoFar"/>.
    /// </summary>
    public static string Require(string? checkedSoFar = null) => OptionalPython.Require(Imports, Package, What, checkedSoFar);

    /// <summary>Runs the full check on <paramref name="model"/>; returns the exit code (0: valid) and the checker's output.</summary>
    public static (int ExitCode, string Output) Check(string python, byte[] model)
    {
        string path = Path.Combine(Path.GetTempPath(), $"mlnetmoco-check-{Guid.NewGuid():N}.onnx");
        try
        {
            File.WriteAllBytes(path, model);
            return CheckFile(python, path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Runs the full check on the model file at <paramref name="path"/>; returns the exit code (0: valid) and the output.</summary>
    public static (int ExitCode, string Output) CheckFile(string python, string path) =>
        OptionalPython.Run(python, ["-c", Script, path], timeoutSeconds: 120);
}
