using Microsoft.ML;

namespace MlNetMoco.Tests.TestSupport;

/// <summary>One small transformer fitted once and shared by the tests of the "fitted" collection.</summary>
public sealed class FittedTransformerFixture : IDisposable
{
    public FittedTransformerFixture()
    {
        MLContext = new MLContext(seed: 1);
        Rows = SyntheticImages.Rows(32);
        Data = MLContext.Data.LoadFromEnumerable(Rows);
        var options = TestOptions.Tiny();
        options.ProjectionColumnName = "Projection";
        Transformer = MLContext.Transforms.PretrainMoCo(options).Fit(Data);
    }

    public MLContext MLContext { get; }

    public List<PixelRow> Rows { get; }

    public IDataView Data { get; }

    public MoCoTransformer Transformer { get; }

    /// <summary>An independent copy (through Save/Load), for tests that change or dispose it.</summary>
    public MoCoTransformer Copy()
    {
        using var stream = new MemoryStream();
        Transformer.Save(stream);
        stream.Position = 0;
        return MoCoTransformer.Load(MLContext, stream, "cpu");
    }

    public void Dispose() => Transformer.Dispose();
}

[CollectionDefinition(Name)]
public sealed class FittedCollection : ICollectionFixture<FittedTransformerFixture>
{
    public const string Name = "fitted transformer";
}
