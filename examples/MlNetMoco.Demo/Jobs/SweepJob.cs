using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetMoco.Core.Devices;
using MlNetMoco.Demo.Data;
using MlNetMoco.Demo.Reporting;
using MlNetMoco.FineTuning;

namespace MlNetMoco.Demo.Jobs;

/// <summary>Settings of the sweep command.</summary>
public sealed record SweepOptions
{
    /// <summary>"embedded", "full" or a folder of IDX files.</summary>
    public string Data { get; init; } = "embedded";

    /// <summary>Labelled training rows (a seeded subset of the training set); the sweep cross-validates on them.</summary>
    public int Labels { get; init; } = 1000;

    /// <summary>Cross-validation folds.</summary>
    public int Folds { get; init; } = 5;

    /// <summary>A saved MoCo transformer (e.g. the main job's moco-encoder.mlnetmoco) instead of pretraining; null pretrains.</summary>
    public string? Model { get; init; }

    /// <summary>Pretraining epochs (when no <see cref="Model"/>).</summary>
    public int Epochs { get; init; } = 30;

    /// <summary>Time budget of the FineTuneMoCo candidates (zero: none run).</summary>
    public TimeSpan FineTuneBudget { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>Epochs of the shortest FineTuneMoCo candidate.</summary>
    public int FineTuneEpochs { get; init; } = 10;

    /// <summary>Device request.</summary>
    public string Device { get; init; } = "auto";

    /// <summary>Seed.</summary>
    public int Seed { get; init; }

    /// <summary>Folder for the leaderboard and the best model.</summary>
    public string Output { get; init; } = "out/sweep";
}

/// <summary>
/// Pretrain once, sweep many: MoCo is pretrained once (or loaded), the labelled rows are featurized once
/// (<see cref="FeatureCache"/>), then k-fold CrossValidate runs every frozen-feature candidate on the cached features
/// and the FineTuneMoCo candidates that fit in the time budget; the best candidate is refitted on all labelled rows,
/// saved with the MoCo transformer as one ML.NET model, reloaded and scored on the test set.
/// </summary>
public static class SweepJob
{
    /// <summary>Runs the sweep; returns the leaderboard rows in order.</summary>
    public static IReadOnlyList<LeaderboardRow> Run(SweepOptions o, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        Console.WriteLine(TorchDiagnostics.Describe(DeviceSelector.Resolve(o.Device)));
        var data = FashionMnist.Load(o.Data);
        Directory.CreateDirectory(o.Output);
        var ml = new MLContext(o.Seed);
        int count = Math.Min(o.Labels, data.Train.Length);
        var labelledRows = LinearProbe.LabelledRows(data.Train.Length, count, o.Seed).Select(i => data.Train[i]).ToList();
        var labelled = ml.Data.LoadFromEnumerable(labelledRows);
        var test = ml.Data.LoadFromEnumerable(data.Test);
        Console.WriteLine($"Data: {count:N0} labelled rows of {data.Train.Length:N0} training images, {data.Test.Length:N0} test images, from {data.Source}; {o.Folds}-fold cross-validation.");

        // 1. MoCo once: loaded, or pretrained on every training image (no labels).
        using var moco = Featurizer(ml, data, o, cancellationToken);
        // 2. Features once: every frozen-feature trial reads this cache and never runs the encoder.
        var featureClock = Stopwatch.StartNew();
        var cached = ConsoleProgress.Stage("Featurizing the labelled rows once", _ => FeatureCache.Featurize(ml, moco, labelled, [nameof(ImageRow.Label)]));
        Console.WriteLine($"Features cached in {FineTuneBudget.Format(featureClock.Elapsed)} ({moco.FeatureDimension} dimensions).");

        // 3. Frozen-feature candidates.
        var rows = new List<LeaderboardRow>();
        var frozen = SweepCandidates.FrozenFeature();
        var frozenClock = Stopwatch.StartNew();
        ConsoleProgress.Stage($"Cross-validating {frozen.Count} frozen-feature candidates × {o.Folds} folds", report =>
        {
            for (int i = 0; i < frozen.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                rows.Add(SweepCrossValidation.Run(ml, cached, frozen[i], o.Folds, o.Seed));
                Console.WriteLine(SweepCrossValidation.Line(rows[^1]));
                report((i + 1.0) / frozen.Count);
            }
        });
        Console.WriteLine($"Frozen-feature candidates: {frozen.Count} × {o.Folds} folds in {FineTuneBudget.Format(frozenClock.Elapsed)}.");

        // 4. FineTuneMoCo candidates within the budget.
        var fineTune = SweepCandidates.FineTune(moco, nameof(ImageRow.Pixels), o.FineTuneEpochs, o.Device, o.Seed);
        rows.AddRange(SweepFineTuning.Run(ml, labelled, fineTune, new FineTuneBudget(o.FineTuneBudget), o.Folds, o.Seed, cancellationToken));

        // 5. Leaderboard.
        var ordered = Leaderboard.Order(rows);
        string title = $"Sweep on {count:N0} labelled Fashion-MNIST rows, {o.Folds}-fold cross-validation (accuracy mean ± std over folds)";
        Leaderboard.Print(ordered, title);
        File.WriteAllText(Path.Combine(o.Output, "leaderboard.md"), Leaderboard.PlainText(ordered, title));

        // 6. The best candidate on all labelled rows, saved with the MoCo transformer, reloaded, scored on the test set.
        var best = ordered[0];
        var candidate = frozen.Concat(fineTune).First(c => c.Trainer == best.Trainer && c.Settings == best.Settings);
        SweepBestModel.FitSaveReloadScore(ml, moco, candidate, cached, labelled, test, Path.Combine(o.Output, "best-model.zip"));
        Console.WriteLine($"Wrote leaderboard.md and best-model.zip to {Path.GetFullPath(o.Output)}. Total time {FineTuneBudget.Format(clock.Elapsed)}.");
        return ordered;
    }

    private static MoCoTransformer Featurizer(MLContext ml, FashionMnist data, SweepOptions o, CancellationToken cancellationToken)
    {
        if (o.Model is { } path)
        {
            var loaded = MoCoTransformer.Load(ml, path, o.Device);
            Console.WriteLine($"MoCo: loaded '{path}' ({loaded.Backbone.Kind}, {loaded.InputShape}); no pretraining.");
            return loaded;
        }
        var options = FashionMnistPretraining.Options(o.Epochs, 256, o.Device, o.Seed);
        using var progress = new ConsoleProgress("MoCo v2 pretraining (once)");
        options.Progress = progress;
        options.CancellationToken = cancellationToken;
        var pretrainClock = Stopwatch.StartNew();
        var moco = ml.Transforms.PretrainMoCo(options).Fit(ml.Data.LoadFromEnumerable(data.Train));
        progress.Dispose();
        Console.WriteLine($"MoCo: pretrained once on {data.Train.Length:N0} unlabelled images in {FineTuneBudget.Format(pretrainClock.Elapsed)}.");
        moco.Save(Path.Combine(o.Output, "moco-encoder.mlnetmoco"));
        return moco;
    }
}
