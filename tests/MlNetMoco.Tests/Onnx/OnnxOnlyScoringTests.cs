using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetMoco.Tests.TestSupport;

namespace MlNetMoco.Tests.Onnx;

/// <summary>A model saved with <c>mlContext.Model.Save</c> scores in a process that has no TorchSharp at all.</summary>
[Collection(FittedCollection.Name)]
public class OnnxOnlyScoringTests(FittedTransformerFixture fixture)
{
    /// <summary>The probe's build output: same configuration and framework as this test assembly.</summary>
    private static string ProbePath()
    {
        string here = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar);
        string probeDir = here.Replace($"{Path.DirectorySeparatorChar}MlNetMoco.Tests{Path.DirectorySeparatorChar}",
            $"{Path.DirectorySeparatorChar}MlNetMoco.OnnxScoringProbe{Path.DirectorySeparatorChar}", StringComparison.Ordinal);
        string path = Path.Combine(probeDir, "MlNetMoco.OnnxScoringProbe.dll");
        Assert.True(File.Exists(path), $"the probe was not built at {path}");
        return path;
    }

    [Fact]
    public void A_saved_chain_scores_identically_in_a_process_without_TorchSharp()
    {
        var ml = fixture.MLContext;
        using var dir = new TempDirectory();
        using var moco = fixture.Copy();
        var rest = ml.Transforms.Conversion.MapValueToKey("LabelKey", "Label")
            .Append(ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy("LabelKey", "Features"))
            .Fit(moco.Transform(fixture.Data));
        var chain = new TransformerChain<ITransformer>(moco, rest);
        string modelPath = dir.File("model.zip");
        ml.Model.Save(chain, fixture.Data.Schema, modelPath);

        var rows = fixture.Rows.Take(6).ToList();
        string pixelsPath = dir.File("pixels.bin");
        File.WriteAllBytes(pixelsPath, rows.SelectMany(r => r.Pixels).SelectMany(BitConverter.GetBytes).ToArray());
        var expected = chain.Transform(ml.Data.LoadFromEnumerable(rows)).GetColumn<float[]>("Score").ToList();

        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { ProbePath(), modelPath, pixelsPath, SyntheticImages.Size.ToString(CultureInfo.InvariantCulture) })
            psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        string output = process.StandardOutput.ReadToEnd();
        string errors = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(2)), "the probe did not finish");

        Assert.True(process.ExitCode == 0, $"probe exit {process.ExitCode}: {errors}");
        Assert.Contains("no libtorch library loaded", errors);
        var scores = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' ').Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToList();
        Assert.Equal(expected.Count, scores.Count);
        for (int i = 0; i < scores.Count; i++)
            for (int k = 0; k < scores[i].Length; k++)
                Assert.True(Math.Abs(expected[i][k] - scores[i][k]) <= 1e-4f, $"row {i} class {k}: {expected[i][k]} vs {scores[i][k]}");
    }
}
