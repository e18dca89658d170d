using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetMoco.Tests.TestSupport;

namespace MlNetMoco.Tests;

[Collection(FittedCollection.Name)]
public class MoCoTransformerTests(FittedTransformerFixture fixture)
{
    private readonly MLContext _ml = fixture.MLContext;

    private static List<float[]> Features(IDataView view, string column = "Features") =>
        view.GetColumn<float[]>(column).ToList();

    [Fact]
    public void Transform_appends_a_known_size_feature_column_and_passes_other_columns_through()
    {
        var output = fixture.Transformer.Transform(fixture.Data);

        var features = output.Schema["Features"];
        var type = Assert.IsType<VectorDataViewType>(features.Type);
        Assert.Equal(NumberDataViewType.Single, type.ItemType);
        Assert.Equal(256, type.Size); // SmallConvNet
        Assert.Equal(256, fixture.Transformer.FeatureDimension);
        Assert.Equal(128, ((VectorDataViewType)output.Schema["Projection"].Type).Size);
        Assert.NotNull(output.Schema.GetColumnOrNull("Label"));
        Assert.NotNull(output.Schema.GetColumnOrNull("Pixels"));

        var rows = _ml.Data.CreateEnumerable<FeatureRow>(output, reuseRowObject: false).ToList();
        Assert.Equal(fixture.Rows.Count, rows.Count);
        Assert.Equal(fixture.Rows.Select(r => r.Label), rows.Select(r => r.Label));
        Assert.All(rows, r => Assert.Equal(256, r.Features.Length));
        Assert.All(rows, r => Assert.All(r.Features, v => Assert.True(float.IsFinite(v))));
        Assert.Contains(rows, r => r.Features.Any(v => v != 0));
    }

    [Fact]
    public void Features_do_not_depend_on_the_transform_batch_size()
    {
        using var transformer = fixture.Copy();
        var reference = default(List<float[]>);
        foreach (int batchSize in new[] { 1, 3, 7, 64 })
        {
            transformer.TransformBatchSize = batchSize;
            var features = Features(transformer.Transform(fixture.Data));
            if (reference is null)
            {
                reference = features;
                continue;
            }
            for (int row = 0; row < reference.Count; row++)
                Assert.True(reference[row].SequenceEqual(features[row]), $"Row {row} differs between batch size 1 and {batchSize}.");
        }
    }

    [Fact]
    public void PredictionEngine_keeps_the_transformer_alive_when_told_not_to_own_it()
    {
        using var transformer = fixture.Copy();
        using (var engine = _ml.Model.CreatePredictionEngine<PixelRow, FeatureRow>(transformer, new PredictionEngineOptions { OwnsTransformer = false }))
            engine.Predict(fixture.Rows[0]);

        Assert.Equal(fixture.Rows.Count, Features(transformer.Transform(fixture.Data)).Count);
    }

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
    public void Preview_Cache_and_a_shuffle_see_the_same_features()
    {
        var output = fixture.Transformer.Transform(fixture.Data);
        var expected = Features(output);

        var preview = output.Preview(maxRows: 4);
        Assert.Equal(4, preview.RowView.Length);
        var previewed = (VBuffer<float>)preview.ColumnView.Single(c => c.Column.Name == "Features").Values[2];
        Assert.Equal(expected[2], previewed.DenseValues().ToArray());

        var cached = _ml.Data.Cache(output);
        Assert.Equal(expected, Features(cached));
        Assert.Equal(expected, Features(cached));

        var shuffled = _ml.Data.ShuffleRows(output, seed: 3);
        var byLabelAndFeatures = _ml.Data.CreateEnumerable<FeatureRow>(shuffled, reuseRowObject: false).ToList();
        Assert.Equal(expected.Count, byLabelAndFeatures.Count);
        Assert.All(byLabelAndFeatures, r => Assert.Contains(expected, e => e.SequenceEqual(r.Features)));
    }

    [Fact]
    public void A_parallel_cursor_set_gives_every_row_once()
    {
        var output = fixture.Transformer.Transform(fixture.Data);
        var cursors = output.GetRowCursorSet(output.Schema.Where(c => c.Name == "Features"), n: 4);
        int rows = 0;
        foreach (var cursor in cursors)
            using (cursor)
            {
                var getter = cursor.GetGetter<VBuffer<float>>(output.Schema["Features"]);
                var value = default(VBuffer<float>);
                while (cursor.MoveNext())
                {
                    getter(ref value);
                    rows++;
                }
            }
        Assert.Equal(fixture.Rows.Count, rows);
    }

    [Fact]
    public void Features_are_computed_only_when_the_column_is_read()
    {
        var transformer = fixture.Copy();
        var output = transformer.Transform(fixture.Data);
        transformer.Dispose();

        // The encoder is gone: reading pass-through columns still works because no feature is computed...
        Assert.Equal(fixture.Rows.Select(r => r.Label), output.GetColumn<float>("Label"));
        // ...and reading the features needs the encoder.
        Assert.Throws<ObjectDisposedException>(() => output.GetColumn<float[]>("Features").ToList());
    }

    [Fact]
    public void Dispose_releases_the_encoder_and_later_use_throws()
    {
        var transformer = fixture.Copy();
        transformer.Dispose();
        transformer.Dispose(); // idempotent

        Assert.Throws<ObjectDisposedException>(() => transformer.Transform(fixture.Data));
        Assert.Throws<ObjectDisposedException>(() => transformer.Save(new MemoryStream()));
    }

    [Fact]
    public void Model_Save_of_a_chain_with_MoCo_throws_and_says_what_to_do_instead()
    {
        using var dir = new TempDirectory();
        var chain = new TransformerChain<ITransformer>(fixture.Transformer);

        var error = Assert.Throws<NotSupportedException>(() => _ml.Model.Save(chain, fixture.Data.Schema, dir.File("model.zip")));
        Assert.Contains("mlContext.Model.Save", error.Message);
        Assert.Contains("MoCoTransformer.Load(mlContext, path)", error.Message);
        Assert.Contains(".Save(path)", error.Message);
    }

    [Fact]
    public void The_training_history_has_one_report_per_epoch()
    {
        var history = fixture.Transformer.TrainingHistory;
        var epoch = Assert.Single(history);
        Assert.True(epoch.EndOfEpoch);
        Assert.True(double.IsFinite(epoch.Loss));
    }
}
