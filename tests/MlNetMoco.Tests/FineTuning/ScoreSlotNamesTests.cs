using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetMoco.FineTuning;
using MlNetMoco.Tests.TestSupport;

namespace MlNetMoco.Tests.FineTuning;

/// <summary>The Score column's SlotNames are the class names (the label's KeyValues), before and after Model.Save/Load.</summary>
[Collection(FittedCollection.Name)]
public class ScoreSlotNamesTests(FittedTransformerFixture fixture)
{
    private static string[] SlotNames(DataViewSchema schema)
    {
        var score = schema[FineTuneMoCoTransformer.ScoreColumnName];
        Assert.NotNull(score.Annotations.Schema.GetColumnOrNull("SlotNames"));
        VBuffer<ReadOnlyMemory<char>> names = default;
        score.GetSlotNames(ref names);
        return names.DenseValues().Select(v => v.ToString()).ToArray();
    }

    private static string[] KeyValues(DataViewSchema schema)
    {
        VBuffer<ReadOnlyMemory<char>> names = default;
        schema["Label"].GetKeyValues(ref names);
        return names.DenseValues().Select(v => v.ToString()).ToArray();
    }

    [Fact]
    public void Score_slots_are_named_after_the_label_keys_before_and_after_Save_Load()
    {
        var ml = new MLContext(seed: 1);
        // Classes in an order that is neither sorted nor the names' order, so a mix-up would show.
        var rows = FineTuneTestData.Rows(60).OrderBy(r => r.Label == "vertical" ? 0 : r.Label == "checker" ? 1 : 2).ToList();
        var data = ml.Data.LoadFromEnumerable(rows);
        var chain = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.MulticlassClassification.Trainers.FineTuneMoCo(FineTuneTestData.Tiny(fixture.Transformer, epochs: 1)))
            .Fit(data);
        var scored = chain.Transform(data);
        string[] keys = KeyValues(scored.Schema);
        Assert.Equal(new[] { "vertical", "checker", "horizontal" }, keys);
        Assert.Equal(keys, SlotNames(scored.Schema));
        Assert.Equal(keys, SlotNames(chain.GetOutputSchema(data.Schema)));

        using var dir = new TempDirectory();
        string path = dir.File("classifier.zip");
        ml.Model.Save(chain, data.Schema, path);
        var loading = new MLContext(seed: 2);
        loading.ComponentCatalog.RegisterAssembly(typeof(FineTuneMoCoTransformer).Assembly);
        var loaded = loading.Model.Load(path, out _);
        var reloaded = loaded.Transform(data);
        Assert.Equal(keys, SlotNames(reloaded.Schema));
        // The annotation does not disturb the values: Score still sums to one per row.
        Assert.All(loading.Data.CreateEnumerable<ClassifiedRow>(reloaded, reuseRowObject: false), r => Assert.Equal(1f, r.Score.Sum(), 3));
    }
}
