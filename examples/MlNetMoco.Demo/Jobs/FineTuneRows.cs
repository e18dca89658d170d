using System.Diagnostics;
using Microsoft.ML;
using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Training;
using MlNetMoco.Demo.Data;
using MlNetMoco.Demo.Reporting;
using MlNetMoco.FineTuning;

namespace MlNetMoco.Demo.Jobs;

/// <summary>
/// The main job's fine-tuning rows: <c>FineTuneMoCo</c> (the encoder and a new linear classifier trained end to end on
/// the labelled rows, scored by its own classifier) starting from the fitted MoCo transformer ("MoCo + fine-tune") and
/// from a random initialisation of the same architecture ("Fine-tune from random init", the supervised baseline), at
/// each label budget.
/// </summary>
public static class FineTuneRows
{
    /// <summary>Row name of fine-tuning from the MoCo encoder.</summary>
    public const string FromMoCo = "MoCo + fine-tune";

    /// <summary>Row name of the same trainer from random initialisation.</summary>
    public const string FromRandom = "Fine-tune from random init";

    /// <summary>
    /// Epochs at a label budget: <paramref name="epochsAtFull"/> at the full pool, proportionally more for fewer labels
    /// (the same number of steps), at most 10× (as the supervised baseline was run).
    /// </summary>
    public static int Epochs(int epochsAtFull, int poolSize, int labels) =>
        Math.Min(epochsAtFull * 10, (int)Math.Ceiling(epochsAtFull * (double)poolSize / labels));

    /// <summary>The settings of one row: the FineTuneMoCo defaults, except the epochs.</summary>
    public static FineTuneMoCoOptions Options(MoCoTransformer? pretrained, int epochs, string device, int seed) => new()
    {
        InputColumnName = nameof(ImageRow.Pixels),
        Pretrained = pretrained,
        Backbone = BackboneKind.SmallConvNet,
        SmallImageStem = true,
        ImageChannels = 1,
        ImageHeight = ImageRow.Side,
        ImageWidth = ImageRow.Side,
        Epochs = epochs,
        Device = device,
        Seed = seed,
    };

    /// <summary>Fine-tunes at every budget from MoCo and, when <paramref name="fromRandom"/>, from random init; prints and returns the rows.</summary>
    public static IReadOnlyList<ResultRow> Measure(MLContext ml, FashionMnist data, MoCoTransformer moco, bool fromRandom,
        IReadOnlyList<(string Name, double Fraction)> budgets, int epochsAtFull, string device, int seed, CancellationToken cancellationToken)
    {
        var pool = ml.Data.LoadFromEnumerable(data.Train);
        var test = ml.Data.LoadFromEnumerable(data.Test);
        var keys = ml.Transforms.Conversion.MapValueToKey(nameof(ImageRow.Label)).Fit(pool); // the class vocabulary only
        var rows = new List<ResultRow>();
        var starts = fromRandom ? new[] { (FromMoCo, (MoCoTransformer?)moco), (FromRandom, null) } : new[] { (FromMoCo, (MoCoTransformer?)moco) };
        foreach (var (name, start) in starts)
            foreach (var (budget, fraction) in budgets)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int count = (int)Math.Round(fraction * data.Train.Length);
                var labelled = ml.Data.LoadFromEnumerable(LinearProbe.LabelledRows(data.Train.Length, count, seed).Select(i => data.Train[i]).ToList());
                int epochs = Epochs(epochsAtFull, data.Train.Length, count);
                var options = Options(start, epochs, device, seed);
                var clock = Stopwatch.StartNew();
                using var progress = new ConsoleProgress($"{name}, {count:N0} labels, {epochs} epochs");
                options.Progress = progress;
                options.CancellationToken = cancellationToken;
                using var classifier = ml.MulticlassClassification.Trainers.FineTuneMoCo(options).Fit(keys.Transform(labelled));
                progress.Dispose();
                var metrics = ml.MulticlassClassification.Evaluate(classifier.Transform(keys.Transform(test)), nameof(ImageRow.Label));
                rows.Add(new ResultRow(name, budget, count, metrics.MicroAccuracy, metrics.MacroAccuracy));
                Console.WriteLine($"  {name,-26} {budget,5} ({count,6:N0} labels): {100 * metrics.MicroAccuracy:F1}% ({epochs} epochs, {Duration.Format(clock.Elapsed)})");
            }
        return rows;
    }

    /// <summary>The line for results.md saying how these rows were trained.</summary>
    public static string Note(int epochsAtFull) =>
        $"{FromMoCo} / {FromRandom}: FineTuneMoCo with its defaults (SGD, cosine, light crop+flip, backbone at the classifier's rate), scored by its own classifier; " +
        $"{epochsAtFull} epochs at 100% labels, proportionally more for fewer (at most {10 * epochsAtFull}).";
}
