namespace MlNetMoco.Benchmarks;

/// <summary>The benchmarks this program knows, in the order <c>all</c> runs them.</summary>
internal static class BenchmarkRegistry
{
    /// <summary>Every benchmark; add new ones (e.g. an ONNX transform benchmark) here.</summary>
    public static IReadOnlyList<IBenchmark> All { get; } =
    [
        new PretrainBenchmark(),
        new TransformBenchmark(),
        new BridgeBenchmark(),
        new OnnxTransformBenchmark(),
        new PixelStoreBenchmark(),
        new OneDnnBenchmark(),
    ];

    /// <summary>The benchmark called <paramref name="name"/> (case-insensitive), or null.</summary>
    public static IBenchmark? Find(string name) =>
        All.FirstOrDefault(b => string.Equals(b.Name, name, StringComparison.OrdinalIgnoreCase));
}
