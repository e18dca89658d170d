using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetMoco.FineTuning;
using MlNetMoco.Tests.TestSupport;

namespace MlNetMoco.Tests.FineTuning;

/// <summary>Label columns: keys, raw values mapped by the trainer, and the errors of bad labels (before training).</summary>
public class FineTuneLabelTests
{
    private static readonly MLContext Ml = new(seed: 1);

    private static FineTuneMoCoEstimator Trainer(int epochs = 1) => Ml.MulticlassClassification.Trainers.FineTuneMoCo(FineTuneTestData.Tiny(epochs: epochs));

    [Fact]
    public void A_missing_label_column_is_named_by_GetOutputSchema_and_Fit()
    {
        var data = Ml.Data.LoadFromEnumerable(FineTuneTestData.Rows(12));
        var noLabel = Ml.Transforms.DropColumns("Label").Fit(data).Transform(data);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Trainer().Fit(noLabel));
        Assert.Contains("'Label'", e.Message);
        var shape = Assert.Throws<ArgumentOutOfRangeException>(() => Trainer().GetOutputSchema(SchemaShapes.Of<UnlabelledRow>(Ml)));
        Assert.Contains("'Label'", shape.Message);
    }

    public sealed class UnlabelledRow
    {
        [VectorType(1, 8, 8)]
        public float[] Pixels { get; set; } = Array.Empty<float>();
    }

    [Fact]
    public void A_NaN_label_is_named_with_its_row()
    {
        var rows = SyntheticImages.Rows(12);
        rows[5].Label = float.NaN;
        var e = Assert.Throws<ArgumentException>(() => Trainer().Fit(Ml.Data.LoadFromEnumerable(rows)));
        Assert.Contains("Row 5", e.Message);
        Assert.Contains("missing", e.Message);
    }

    [Fact]
    public void A_single_class_is_refused()
    {
        var rows = FineTuneTestData.Rows(12, classes: 3).Where(r => r.Label == "vertical").ToList();
        var e = Assert.Throws<ArgumentException>(() => Trainer().Fit(Ml.Data.LoadFromEnumerable(rows)));
        Assert.Contains("at least 2", e.Message);
    }

    [Fact]
    public void A_key_class_absent_from_training_keeps_its_score_slot()
    {
        var all = Ml.Data.LoadFromEnumerable(FineTuneTestData.Rows(30));
        var keys = FineTuneTestData.KeyMapping(Ml, all); // three classes known to the key
        var twoClasses = keys.Transform(Ml.Data.LoadFromEnumerable(FineTuneTestData.Rows(30, classes: 2)));
        var messages = new List<string>();
        var options = FineTuneTestData.Tiny(epochs: 1);
        options.Log = messages.Add;
        using var model = Ml.MulticlassClassification.Trainers.FineTuneMoCo(options).Fit(twoClasses);
        Assert.Equal(3, model.Classes.Count);
        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, 3), model.GetOutputSchema(twoClasses.Schema)["Score"].Type);
        Assert.Contains(messages, m => m.Contains("'checker'") && m.Contains("no training row"));
    }

    [Fact]
    public void Raw_text_and_numbers_are_mapped_to_sorted_classes()
    {
        using var text = Trainer().Fit(Ml.Data.LoadFromEnumerable(FineTuneTestData.Rows(12)));
        Assert.Equal(new[] { "checker", "horizontal", "vertical" }, text.Classes);

        using var numbers = Trainer().Fit(Ml.Data.LoadFromEnumerable(SyntheticImages.Rows(12)));
        Assert.Equal(new[] { "0", "1", "2" }, numbers.Classes);
        VBuffer<ReadOnlyMemory<char>> names = default;
        numbers.Transform(Ml.Data.LoadFromEnumerable(SyntheticImages.Rows(3))).Schema["PredictedLabel"].GetKeyValues(ref names);
        Assert.Equal(new[] { "0", "1", "2" }, names.DenseValues().Select(v => v.ToString()));
    }

    [Fact]
    public void A_validation_class_the_training_rows_lack_is_refused_before_training()
    {
        var options = FineTuneTestData.Tiny(epochs: 1);
        options.ValidationData = Ml.Data.LoadFromEnumerable(FineTuneTestData.Rows(12));
        var e = Assert.Throws<ArgumentException>(() =>
            Ml.MulticlassClassification.Trainers.FineTuneMoCo(options).Fit(Ml.Data.LoadFromEnumerable(FineTuneTestData.Rows(12, classes: 2))));
        Assert.Contains("'checker'", e.Message);
    }

    [Fact]
    public void Option_errors_name_the_option()
    {
        var options = FineTuneTestData.Tiny();
        options.LearningRate = -1;
        var e = Assert.Throws<ArgumentException>(() => Ml.MulticlassClassification.Trainers.FineTuneMoCo(options));
        Assert.StartsWith("FineTuneMoCoOptions.LearningRate", e.Message);
        options = FineTuneTestData.Tiny();
        options.ValidationFraction = 1;
        e = Assert.Throws<ArgumentException>(() => Ml.MulticlassClassification.Trainers.FineTuneMoCo(options));
        Assert.StartsWith("FineTuneMoCoOptions.ValidationFraction", e.Message);
    }
}
