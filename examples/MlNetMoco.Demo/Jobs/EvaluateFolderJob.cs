using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using MlNetMoco.Core.Devices;

using MlNetMoco.Demo.Reporting;

namespace MlNetMoco.Demo.Jobs;

/// <summary>Settings of the "does MoCo help on my data?" evaluation.</summary>
public sealed record EvaluateFolderOptions
{
    /// <summary>Training folder, one sub-folder per class: every image is in the unlabelled pool, the first labels of a seeded order train the probes.</summary>
    public required string Train { get; init; }

    /// <summary>Test folder, one sub-folder per class (the same class names).</summary>
    public required string Test { get; init; }

    /// <summary>Side length images are resized to; null keeps the first training image's size.</summary>
    public int? Size { get; init; }

    /// <summary>Convert to one grayscale channel (ConvertToGrayscale, then the red plane).</summary>
    public bool Grayscale { get; init; }

    /// <summary>Label budgets; 0 means every training image.</summary>
    public IReadOnlyList<int> Budgets { get; init; } = [50, 200, 0];

    /// <summary>MoCo's recipe (Auto by default, as in MoCoOptions).</summary>
    public Core.Training.MoCoRecipe Recipe { get; init; } = Core.Training.MoCoRecipe.Auto;

    /// <summary>Standardise MoCo's features (true by default, as in MoCoOptions).</summary>
    public bool Standardize { get; init; } = true;

    /// <summary>Report k-NN and the quick linear probe on held-out training labels during MoCo's Fit (MoCoOptions.LabelColumnName); default off.</summary>
    public bool Report { get; init; }

    /// <summary>Device request.</summary>
    public string Device { get; init; } = "auto";

    /// <summary>Seed of MoCo and of the labelled order.</summary>
    public int Seed { get; init; }
}

/// <summary>
/// README's pipeline as written on a user's folders, against raw pixels: LoadImages → ResizeImages → ExtractPixels →
/// PretrainMoCo (every MoCo setting at its default) → LbfgsMaximumEntropy on the Features column as emitted, next to
/// the same trainer on the min-max normalised pixels, at a few label budgets. MoCo pretrains on every training
/// image (labels unused); the probes see only the first labels of a seeded order; accuracy is on the test folder.
/// </summary>
public static class EvaluateFolderJob
{
    private sealed class FileRow
    {
        public string ImagePath { get; set; } = "";
        public string Label { get; set; } = "";
    }

    /// <summary>Runs it and prints the table.</summary>
    public static int Run(EvaluateFolderOptions o, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        Console.WriteLine(TorchDiagnostics.Describe(DeviceSelector.Resolve(o.Device)));
        var train = Rows(o.Train);
        var test = Rows(o.Test);
        int size = o.Size ?? FirstSide(o.Train, train[0]);
        Console.WriteLine($"{train.Count:N0} training images ({train.Select(r => r.Label).Distinct().Count()} classes), {test.Count:N0} test images, resized to {size}×{size}{(o.Grayscale ? ", grayscale" : "")}.");

        var ml = new MLContext(o.Seed);
        IEstimator<ITransformer> load = ml.Transforms.LoadImages("Image", null, nameof(FileRow.ImagePath))
            .Append(ml.Transforms.ResizeImages("Image", size, size));
        if (o.Grayscale) load = load.Append(ml.Transforms.ConvertToGrayscale("Image"));
        var pixels = load.Append(ml.Transforms.ExtractPixels("Pixels", "Image",
            o.Grayscale ? ImagePixelExtractingEstimator.ColorBits.Red : ImagePixelExtractingEstimator.ColorBits.Rgb));
        var trainView = ml.Data.LoadFromEnumerable(train);
        var testView = ml.Data.LoadFromEnumerable(test);

        var options = new MoCoOptions
        {
            Recipe = o.Recipe, StandardizeFeatures = o.Standardize, Device = o.Device, Seed = o.Seed, CancellationToken = cancellationToken,
            LabelColumnName = o.Report ? nameof(FileRow.Label) : null, // the report's lines ("Epoch …, linear probe …", "Report: …") go to Log
            Log = message => Console.WriteLine($"  [MoCo] {message}"),
        };
        var fitClock = Stopwatch.StartNew();
        using var model = pixels.Append(ml.Transforms.PretrainMoCo(options)).Fit(trainView);
        Console.WriteLine($"MoCo Fit took {Duration.Format(fitClock.Elapsed)}.");

        var order = LinearProbe.LabelledRows(train.Count, train.Count, o.Seed);
        var trainLabels = train.Select(r => r.Label).ToArray();
        var testLabels = test.Select(r => r.Label).ToArray();
        var mocoTrain = FeatureTable.Column(model.Transform(trainView), "Features");
        var mocoTest = FeatureTable.Create(ml, FeatureTable.Column(model.Transform(testView), "Features"), testLabels);
        var rawModel = pixels.Fit(trainView);
        var rawTrain = FeatureTable.Column(rawModel.Transform(trainView), "Pixels");
        var rawTest = FeatureTable.Create(ml, FeatureTable.Column(rawModel.Transform(testView), "Pixels"), testLabels);

        var budgets = o.Budgets.Select(b => b <= 0 || b > train.Count ? train.Count : b).Distinct().ToList();
        var moco = budgets.Select(b => Accuracy(ml, FeatureTable.Create(ml, mocoTrain, trainLabels, order[..b]), mocoTest, normalize: false)).ToList();
        var raw = budgets.Select(b => Accuracy(ml, FeatureTable.Create(ml, rawTrain, trainLabels, order[..b]), rawTest, normalize: true)).ToList();

        Console.WriteLine();
        Console.WriteLine("| Features + LbfgsMaximumEntropy | " + string.Join(" | ", budgets.Select(b => $"{b:N0} labels")) + " |");
        Console.WriteLine("|---|" + string.Concat(budgets.Select(_ => "---:|")));
        Console.WriteLine($"| MoCo ({o.Recipe} recipe{(o.Standardize ? "" : ", not standardised")}), as emitted | " + string.Join(" | ", moco.Select(Percent)) + " |");
        Console.WriteLine("| Raw pixels, min-max normalised | " + string.Join(" | ", raw.Select(Percent)) + " |");
        Console.WriteLine($"Done in {Duration.Format(clock.Elapsed)}.");
        return 0;
    }

    private static string Percent(double value) => value.ToString("P1", CultureInfo.InvariantCulture).Replace(" ", "");

    /// <summary>Test accuracy of LbfgsMaximumEntropy (defaults) on "Features", min-max normalised first when asked.</summary>
    private static double Accuracy(MLContext ml, IDataView train, IDataView test, bool normalize)
    {
        IEstimator<ITransformer> pipeline = ml.Transforms.Conversion.MapValueToKey("LabelKey", "Label");
        if (normalize) pipeline = pipeline.Append(ml.Transforms.NormalizeMinMax("Features"));
        var fitted = pipeline.Append(ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy("LabelKey", "Features")).Fit(train);
        return ml.MulticlassClassification.Evaluate(fitted.Transform(test), "LabelKey").MicroAccuracy;
    }

    private static List<FileRow> Rows(string folder)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"Folder '{folder}' does not exist.");
        var rows = Directory.EnumerateDirectories(folder).Order(StringComparer.Ordinal)
            .SelectMany(dir => Directory.EnumerateFiles(dir).Order(StringComparer.Ordinal)
                .Select(f => new FileRow { ImagePath = Path.GetFullPath(f), Label = Path.GetFileName(dir) }))
            .ToList();
        if (rows.Select(r => r.Label).Distinct().Count() < 2)
            throw new ArgumentException($"Folder '{folder}' needs one sub-folder per class (at least two).");
        return rows;
    }

    private static int FirstSide(string folder, FileRow row)
    {
        using var image = MLImage.CreateFromFile(row.ImagePath);
        return Math.Max(image.Width, image.Height);
    }
}
