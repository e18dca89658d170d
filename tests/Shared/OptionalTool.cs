using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;

namespace MlNetMoco.TestSupport;

/// <summary>
/// The one convention for tests that need something the .NET SDK does not bring (a Debian package such as
/// python3-onnx, python3-skimage, python3-torch or dataset-fashion-mnist): when it is missing the test is reported as
/// skipped with the package to install (xunit v3's <c>Assert.Skip</c>), never as passed; with
/// <c>MLNETMOCO_REQUIRE_OPTIONAL_TOOLS=1</c> (set by <c>.ci/run</c>, which installs them) it fails instead, so CI runs
/// every test. Hardware that CI cannot install (CUDA) is not an optional tool: such tests call <c>Assert.Skip</c>
/// directly. Linked into every test project from <c>tests/Shared</c>.
/// </summary>
internal static class OptionalTool
{
    /// <summary>The strictness switch: when "1", a missing optional tool fails the test instead of skipping it.</summary>
    public const string RequireVariable = "MLNETMOCO_REQUIRE_OPTIONAL_TOOLS";

    /// <summary>True when <see cref="RequireVariable"/> is "1" (CI).</summary>
    public static bool Required => Environment.GetEnvironmentVariable(RequireVariable) == "1";

    /// <summary>
    /// Ends the test because <paramref name="what"/> is missing: skips it, or fails it in strict mode. The message names
    /// the <paramref name="package"/> to install, the <paramref name="problem"/> found and, for a test that checks several
    /// things, what it <paramref name="checkedSoFar"/> before it reached the part that needs the tool.
    /// </summary>
    [DoesNotReturn]
    public static void Missing(string package, string what, string problem, string? checkedSoFar = null)
    {
        string message = $"{what}: not found ({problem}); install {package} to run this test"
                         + (checkedSoFar is null ? "." : $" to the end. Checked before stopping: {checkedSoFar}.");
        if (Required) Assert.Fail(message + $" ({RequireVariable}=1 makes this a failure.)");
        Assert.Skip(message);
        throw new UnreachableException();
    }

    /// <summary>Calls <see cref="Missing"/> unless <paramref name="available"/>.</summary>
    public static void Require(bool available, string package, string what, string problem, string? checkedSoFar = null)
    {
        if (!available) Missing(package, what, problem, checkedSoFar);
    }
}
