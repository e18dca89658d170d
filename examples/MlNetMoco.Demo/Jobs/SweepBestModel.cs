using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetMoco.Demo.Data;
using MlNetMoco.FineTuning;

namespace MlNetMoco.Demo.Jobs;

/// <summary>
/// The sweep's winner as one ML.NET model: fitted on every labelled row, chained after the MoCo transformer (frozen-feature
/// trainers) or alone (FineTuneMoCo, which holds its own encoder), with "PredictedClass" (the class name) appended;
/// saved with <c>mlContext.Model.Save</c>, reloaded in a fresh context and scored on the test set.
/// </summary>
public static class SweepBestModel
{
    /// <summary>The column holding the predicted class name.</summary>
    public const string PredictedClass = "PredictedClass";

    /// <summary>Fits, saves to <paramref name="path"/>, reloads, scores <paramref name="test"/> and prints what it checked; returns the reloaded model's test accuracy.</summary>
    public static double FitSaveReloadScore(MLContext ml, MoCoTransformer moco, SweepCandidate candidate, IDataView cachedFeatures, IDataView labelled,
        IDataView test, string path)
    {
        var clock = Stopwatch.StartNew();
        var keys = ml.Transforms.Conversion.MapValueToKey(SweepCandidates.Label).Fit(labelled);
        var trainingRows = candidate.FineTune ? labelled : cachedFeatures;
        var fitted = candidate.Create(ml).Fit(keys.Transform(trainingRows));
        var parts = new List<ITransformer>();
        if (!candidate.FineTune) parts.Add(moco);
        parts.Add(fitted);
        var scoring = new TransformerChain<ITransformer>(parts.ToArray());
        var names = ml.Transforms.Conversion.MapKeyToValue(PredictedClass, "PredictedLabel").Fit(scoring.Transform(ml.Data.TakeRows(test, 1)));
        var model = scoring.Append(names);
        ml.Model.Save(model, test.Schema, path);
        Console.WriteLine($"Best: {candidate.Name}, refitted on all {labelled.GetColumn<string>(SweepCandidates.Label).Count():N0} labelled rows in {FineTuneBudget.Format(clock.Elapsed)}; saved to {path}.");

        var loading = new MLContext(seed: 0);
        loading.ComponentCatalog.RegisterAssembly(typeof(FineTuneMoCoTransformer).Assembly); // the classifier's CustomMapping step
        var loaded = loading.Model.Load(path, out _);
        var loadedParts = Flatten(loaded).ToList();
        bool torchFree = !loadedParts.Any(t => t is MoCoTransformer or FineTuneMoCoTransformer);
        Console.WriteLine($"Reloaded chain: {string.Join(" → ", loadedParts.Select(t => t.GetType().Name))}" +
                          (torchFree ? " (no TorchSharp transformer: the encoder runs in ONNX Runtime)." : " (still holds a TorchSharp transformer!)."));

        var truth = test.GetColumn<string>(nameof(ImageRow.Label)).ToList();
        var reloaded = Predictions(loaded.Transform(test));
        var inMemory = Predictions(model.Transform(test));
        double accuracy = truth.Zip(reloaded).Count(p => p.First == p.Second) / (double)truth.Count;
        double macro = truth.Distinct().Average(c => truth.Zip(reloaded).Where(p => p.First == c).Average(p => p.First == p.Second ? 1.0 : 0.0));
        int agree = reloaded.Zip(inMemory).Count(p => p.First == p.Second);
        Console.WriteLine($"Test set ({truth.Count:N0} images), reloaded model: accuracy {100 * accuracy:F1}% (macro {100 * macro:F1}%); " +
                          $"same prediction as the in-memory model on {agree:N0} of {truth.Count:N0}.");
        (loaded as IDisposable)?.Dispose();
        (fitted as IDisposable)?.Dispose();
        return accuracy;
    }

    private static List<string> Predictions(IDataView scored) =>
        scored.GetColumn<ReadOnlyMemory<char>>(PredictedClass).Select(v => v.ToString()).ToList();

    private static IEnumerable<ITransformer> Flatten(ITransformer t) =>
        t is IEnumerable<ITransformer> chain ? chain.SelectMany(Flatten) : [t];
}
