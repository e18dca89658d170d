using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Onnx;
using MlNetMoco.FineTuning;
using MlNetMoco.Tests.TestSupport;

namespace MlNetMoco.Tests.FineTuning;

/// <summary>The fine-tuned classifier in ML.NET's consumers: Evaluate, MapKeyToValue, PredictionEngine, CrossValidate, Model.Save/Load.</summary>
[Collection(FittedCollection.Name)]
public class FineTuneConsumersTests(FittedTransformerFixture fixture)
{
    private static float MaxAbsDiff(IEnumerable<float[]> a, IEnumerable<float[]> b) =>
        a.Zip(b).SelectMany(p => p.First.Zip(p.Second, (x, y) => Math.Abs(x - y))).Max();

    private (ITransformer Chain, IDataView Data) Fit(MLContext ml, int epochs = 4)
    {
        var data = ml.Data.LoadFromEnumerable(FineTuneTestData.Rows(96));
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.MulticlassClassification.Trainers.FineTuneMoCo(FineTuneTestData.Tiny(fixture.Transformer, epochs)));
        return (pipeline.Fit(data), data);
    }

    [Fact]
    public void Score_and_PredictedLabel_feed_Evaluate_and_MapKeyToValue()
    {
        var ml = new MLContext(seed: 1);
        var (chain, data) = Fit(ml);
        var scored = chain.Transform(data);

        var score = scored.Schema["Score"];
        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, 3), score.Type);
        var predicted = scored.Schema["PredictedLabel"];
        Assert.Equal(new KeyDataViewType(typeof(uint), 3), predicted.Type);
        VBuffer<ReadOnlyMemory<char>> labelNames = default, predictedNames = default;
        scored.Schema["Label"].GetKeyValues(ref labelNames);
        predicted.GetKeyValues(ref predictedNames);
        Assert.Equal(labelNames.DenseValues().Select(v => v.ToString()), predictedNames.DenseValues().Select(v => v.ToString()));

        var rows = ml.Data.CreateEnumerable<ClassifiedRow>(scored, reuseRowObject: false).ToList();
        Assert.All(rows, r => Assert.Equal(1f, r.Score.Sum(), 3));
        Assert.All(rows, r => Assert.Equal((uint)Array.IndexOf(r.Score, r.Score.Max()) + 1, r.PredictedLabel));

        var metrics = ml.MulticlassClassification.Evaluate(scored);
        Assert.InRange(metrics.MicroAccuracy, 0.0, 1.0);
        Assert.True(metrics.MicroAccuracy > 0.5, $"training accuracy {metrics.MicroAccuracy:P1} of a 3-class stripe task");

        var names = ml.Transforms.Conversion.MapKeyToValue("PredictedName", "PredictedLabel").Fit(scored).Transform(scored);
        var predictedNamesPerRow = ml.Data.CreateEnumerable<NamedPrediction>(names, reuseRowObject: false).Select(r => r.PredictedName).ToList();
        Assert.All(predictedNamesPerRow, n => Assert.Contains(n, FineTuneTestData.Names));
    }

    [Fact]
    public void PredictionEngine_scores_one_row_as_Transform_does()
    {
        var ml = new MLContext(seed: 1);
        var (chain, data) = Fit(ml, epochs: 1);
        var batch = ml.Data.CreateEnumerable<ClassifiedRow>(chain.Transform(data), reuseRowObject: false).ToList();
        using var engine = ml.Model.CreatePredictionEngine<NamedRow, ClassifiedRow>(chain);
        var rows = FineTuneTestData.Rows(96);
        for (int i = 0; i < 5; i++)
        {
            var single = engine.Predict(rows[i]);
            Assert.True(MaxAbsDiff(new[] { batch[i].Score }, new[] { single.Score }) <= 1e-6f);
            Assert.Equal(batch[i].PredictedLabel, single.PredictedLabel);
        }
    }

    [Fact]
    public void Model_Save_and_Load_score_the_same_without_TorchSharp_transformers()
    {
        var ml = new MLContext(seed: 1);
        using var dir = new TempDirectory();
        var (chain, data) = Fit(ml, epochs: 1);
        string path = dir.File("classifier.zip");
        ml.Model.Save(chain, data.Schema, path);
        var loading = new MLContext(seed: 2);
        loading.ComponentCatalog.RegisterAssembly(typeof(FineTuneMoCoTransformer).Assembly);
        var loaded = loading.Model.Load(path, out _);

        var parts = Flatten(loaded).ToList();
        Assert.Contains(parts, t => t is OnnxTransformer);
        Assert.DoesNotContain(parts, t => t is FineTuneMoCoTransformer or MoCoTransformer);

        var before = ml.Data.CreateEnumerable<ClassifiedRow>(chain.Transform(data), reuseRowObject: false).ToList();
        var scored = loaded.Transform(data);
        var after = ml.Data.CreateEnumerable<ClassifiedRow>(scored, reuseRowObject: false).ToList();
        Assert.True(MaxAbsDiff(before.Select(r => r.Score), after.Select(r => r.Score)) <= 1e-6f);
        Assert.Equal(before.Select(r => r.PredictedLabel), after.Select(r => r.PredictedLabel));
        VBuffer<ReadOnlyMemory<char>> names = default;
        scored.Schema["PredictedLabel"].GetKeyValues(ref names);
        Assert.Equal(3, names.Length);
        Assert.InRange(ml.MulticlassClassification.Evaluate(scored).MicroAccuracy, 0.0, 1.0);
    }

    [Fact]
    public void CrossValidate_fits_and_evaluates_every_fold()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Transforms.Conversion.MapValueToKey("Label").Fit(ml.Data.LoadFromEnumerable(FineTuneTestData.Rows(60)))
            .Transform(ml.Data.LoadFromEnumerable(FineTuneTestData.Rows(60)));
        var folds = ml.MulticlassClassification.CrossValidate(data,
            ml.MulticlassClassification.Trainers.FineTuneMoCo(FineTuneTestData.Tiny(fixture.Transformer, epochs: 1)), numberOfFolds: 2);
        Assert.Equal(2, folds.Count);
        Assert.All(folds, f => Assert.InRange(f.Metrics.MicroAccuracy, 0.0, 1.0));
        foreach (var fold in folds) (fold.Model as IDisposable)?.Dispose();
    }

    private static IEnumerable<ITransformer> Flatten(ITransformer transformer) =>
        transformer is IEnumerable<ITransformer> chain ? chain.SelectMany(Flatten) : new[] { transformer };
}
