using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetMoco.Tests.TestSupport;

namespace MlNetMoco.Tests.Transform;

/// <summary>The single-row path used by PredictionEngine.</summary>
[Collection(FittedCollection.Name)]
public class MoCoRowMapperTests(FittedTransformerFixture fixture)
{
    private readonly MLContext _ml = fixture.MLContext;

    private static List<float[]> Features(IDataView view, string column = "Features") =>
        view.GetColumn<float[]>(column).ToList();

    [Fact]
    public void PredictionEngine_gives_the_features_of_Transform_for_the_same_row()
    {
        var fromTransform = Features(fixture.Transformer.Transform(fixture.Data));
        // The engine owns (and disposes) its transformer by default, as ML.NET documents: give it a copy.
        using var engine = _ml.Model.CreatePredictionEngine<PixelRow, FeatureRow>(fixture.Copy());

        foreach (int row in new[] { 0, 5, 17, 5 })
        {
            var prediction = engine.Predict(fixture.Rows[row]);
            Assert.Equal(fromTransform[row], prediction.Features);
        }
    }

    [Fact]
    public void PredictionEngine_works_through_a_transformer_chain()
    {
        var copy = fixture.Copy();
        var chain = new TransformerChain<ITransformer>(copy, _ml.Transforms.CopyColumns("Copy", "Features").Fit(copy.Transform(fixture.Data)));
        using var engine = _ml.Model.CreatePredictionEngine<PixelRow, FeatureRow>(chain);
        var expected = Features(fixture.Transformer.Transform(fixture.Data));

        Assert.Equal(expected[3], engine.Predict(fixture.Rows[3]).Features);
    }

    [Fact]
    public void PredictionEngine_keeps_the_transformer_alive_when_told_not_to_own_it()
    {
        using var transformer = fixture.Copy();
        using (var engine = _ml.Model.CreatePredictionEngine<PixelRow, FeatureRow>(transformer, new PredictionEngineOptions { OwnsTransformer = false }))
            engine.Predict(fixture.Rows[0]);

        Assert.Equal(fixture.Rows.Count, Features(transformer.Transform(fixture.Data)).Count);
    }
}
