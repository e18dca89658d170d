using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetMoco.Tests.TestSupport;

namespace MlNetMoco.Tests.Transform;

/// <summary>The lazy, batched output view of Transform and its cursors.</summary>
[Collection(FittedCollection.Name)]
public class MoCoDataViewTests(FittedTransformerFixture fixture)
{
    private readonly MLContext _ml = fixture.MLContext;

    private static List<float[]> Features(IDataView view, string column = "Features") =>
        view.GetColumn<float[]>(column).ToList();

    [Fact]
    public void Features_do_not_depend_on_the_transform_batch_size()
    {
        using var transformer = fixture.Copy();
        var reference = default(List<float[]>);
        foreach (int batchSize in new[] { 1, 3, 7, 31, 64 }) // 31: the last batch holds one row
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
    public void Pixels_outside_the_input_scale_at_transform_time_give_one_warning_in_MLContext_Log()
    {
        var context = new MLContext(seed: 1);
        var warnings = new List<string>();
        context.Log += (_, e) => { if (e.Kind == Microsoft.ML.Runtime.ChannelMessageKind.Warning) lock (warnings) warnings.Add(e.Message); };
        using var stream = new MemoryStream();
        fixture.Transformer.Save(stream);
        stream.Position = 0;
        using var transformer = MoCoTransformer.Load(context, stream, "cpu");
        var rows = SyntheticImages.Rows(20);
        foreach (var row in rows) row.Pixels[7] = -5;

        var features = Features(transformer.Transform(context.Data.LoadFromEnumerable(rows)));

        Assert.Equal(20, features.Count);
        var warning = Assert.Single(warnings, w => w.Contains("outside [0, 255]"));
        Assert.Contains("first at row 0 (-5)", warning);
    }
}
