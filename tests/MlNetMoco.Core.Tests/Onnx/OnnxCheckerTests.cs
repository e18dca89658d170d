using System.ComponentModel;
using System.Diagnostics;
using MlNetMoco.Core.Onnx;
using MlNetMoco.Core.Onnx.Protos;
using Microsoft.ML.OnnxRuntime;

namespace MlNetMoco.Core.Tests.Onnx;

/// <summary>
/// Validates written models with the reference checker (Python <c>onnx.checker</c>, full check) and ONNX Runtime's
/// metadata reader. The checker tests fail when Python or the onnx module is missing, unless
/// <c>MLNETMOCO_SKIP_ONNX_CHECKER=1</c>; <c>MLNETMOCO_PYTHON</c> selects the interpreter.
/// </summary>
public class OnnxCheckerTests
{
    internal const string CheckScript =
        "import onnx,sys; m=onnx.load(sys.argv[1]); onnx.checker.check_model(m, full_check=True)";

    [Fact]
    public void Written_model_passes_the_onnx_checker_with_full_check()
    {
        string? python = PythonWithOnnx();
        if (python is null) return; // explicitly skipped via MLNETMOCO_SKIP_ONNX_CHECKER=1

        using var sample = new SampleGraph(seed: 3);
        var writer = new OnnxModelWriter();
        writer.Metadata["mlnetmoco.test"] = "checker";
        string path = Path.Combine(Path.GetTempPath(), $"mlnetmoco-onnx-{Guid.NewGuid():N}.onnx");
        try
        {
            writer.WriteFile(sample.Build().Build(), path);
            var (exit, output) = Run(python, "-c", CheckScript, path);
            Assert.True(exit == 0, $"onnx.checker rejected the model (exit {exit}):\n{output}");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void The_checker_does_reject_an_invalid_model()
    {
        // Guards against a check that passes without looking: an undefined input must be reported.
        string? python = PythonWithOnnx();
        if (python is null) return;

        var graph = new GraphProto { Name = "broken" };
        var type = TypeProto.TensorOf(TensorProto.Types.DataType.Float, [TensorShapeProto.Types.Dimension.Fixed(2)]);
        graph.Input.Add(new ValueInfoProto { Name = "x", Type = type });
        var relu = new NodeProto { OpType = "Relu", Name = "relu" };
        relu.Input.Add("missing");
        relu.Output.Add("y");
        graph.Node.Add(relu);
        graph.Output.Add(new ValueInfoProto { Name = "y", Type = type.Clone() });
        string path = Path.Combine(Path.GetTempPath(), $"mlnetmoco-onnx-{Guid.NewGuid():N}.onnx");
        try
        {
            new OnnxModelWriter().WriteFile(graph, path);
            var (exit, output) = Run(python, "-c", CheckScript, path);
            Assert.True(exit != 0, "onnx.checker accepted a node with an undefined input");
            Assert.Contains("missing", output);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Metadata_and_producer_round_trip_through_OnnxRuntime()
    {
        using var sample = new SampleGraph(seed: 4);
        var writer = new OnnxModelWriter { DocString = "test encoder", Domain = "org.mlnetmoco", ModelVersion = 7 };
        writer.Metadata["mlnetmoco.backbone"] = "resnet18";
        writer.Metadata["mlnetmoco.normalization"] = "mean=0.485,0.456,0.406;std=0.229,0.224,0.225";
        writer.Metadata["unicode"] = "ε → ü";

        using var session = new InferenceSession(writer.ToBytes(sample.Build().Build()));
        ModelMetadata meta = session.ModelMetadata;
        Assert.Equal("MlNetMoco", meta.ProducerName);
        Assert.Equal("test encoder", meta.Description);
        Assert.Equal("org.mlnetmoco", meta.Domain);
        Assert.Equal(7, meta.Version);
        Assert.Equal("sample", meta.GraphName);
        Assert.Equal(3, meta.CustomMetadataMap.Count);
        Assert.Equal("resnet18", meta.CustomMetadataMap["mlnetmoco.backbone"]);
        Assert.Equal("mean=0.485,0.456,0.406;std=0.229,0.224,0.225", meta.CustomMetadataMap["mlnetmoco.normalization"]);
        Assert.Equal("ε → ü", meta.CustomMetadataMap["unicode"]);
    }

    /// <summary>The first interpreter that can import onnx, or null when the checker is explicitly skipped.</summary>
    internal static string? PythonWithOnnx()
    {
        string? configured = Environment.GetEnvironmentVariable("MLNETMOCO_PYTHON");
        // "python3" may be a version-manager shim without Debian's python3-onnx, so the system one is tried too.
        string[] candidates = string.IsNullOrWhiteSpace(configured) ? ["python3", "/usr/bin/python3"] : [configured];
        var tried = new List<string>();
        foreach (string candidate in candidates)
        {
            try
            {
                var (exit, output) = Run(candidate, "-c", "import onnx");
                if (exit == 0) return candidate;
                tried.Add($"{candidate}: exit {exit}: {output.Trim()}");
            }
            catch (Win32Exception e)
            {
                tried.Add($"{candidate}: {e.Message}");
            }
        }
        if (Environment.GetEnvironmentVariable("MLNETMOCO_SKIP_ONNX_CHECKER") == "1") return null;
        Assert.Fail("No Python interpreter with the onnx module (install python3-onnx, set MLNETMOCO_PYTHON, or set " +
                    "MLNETMOCO_SKIP_ONNX_CHECKER=1 to skip):\n" + string.Join("\n", tried));
        return null;
    }

    internal static (int ExitCode, string Output) Run(string fileName, params string[] arguments)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in arguments) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} did not finish within 2 minutes.");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}
