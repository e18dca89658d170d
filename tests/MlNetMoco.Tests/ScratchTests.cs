using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Data;
using MlNetMoco.Core.Inference;
using MlNetMoco.Core.Methods;
using Xunit.Abstractions;

namespace MlNetMoco.Tests;

public class ScratchTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(BackboneKind.SmallConvNet, 1, 8)]
    [InlineData(BackboneKind.SmallConvNet, 3, 16)]
    [InlineData(BackboneKind.ResNet18, 3, 32)]
    public void Batch_invariance(BackboneKind kind, int c, int side)
    {
        var shape = new ImageShape(c, side, side);
        var desc = new EncoderDescription(new BackboneSpec(kind, c, true), MoCoVersion.V2, 128, shape, new ImageNormalization(Enumerable.Repeat(0.5f, c).ToArray(), Enumerable.Repeat(0.25f, c).ToArray()));
        using var enc = TrainedEncoder.Create(desc, "cpu");
        var rnd = new Random(1);
        int n = 16;
        var px = Enumerable.Range(0, n * shape.Size).Select(_ => (float)rnd.NextDouble()).ToArray();
        var reference = new float[n * enc.FeatureDim];
        enc.Extract(px, n, reference);
        foreach (int b in new[] { 1, 2, 3, 4, 5, 7, 8, 13 })
        {
            var f = new float[n * enc.FeatureDim];
            for (int s = 0; s < n; s += b) { int cnt = Math.Min(b, n - s); enc.Extract(px.AsSpan(s * shape.Size, cnt * shape.Size), cnt, f.AsSpan(s * enc.FeatureDim, cnt * enc.FeatureDim)); }
            double maxDiff = 0; int diffs = 0;
            for (int i = 0; i < f.Length; i++) { var d = Math.Abs(f[i] - reference[i]); if (d > 0) diffs++; maxDiff = Math.Max(maxDiff, d); }
            output.WriteLine($"{kind} b={b}: {diffs} differing values, max {maxDiff}");
        }
    }
}
