using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Devices;
using MlNetMoco.Demo.Reporting;

namespace MlNetMoco.Demo.Jobs;

/// <summary>Settings of pretraining on a folder of images.</summary>
public sealed record FolderPretrainOptions
{
    /// <summary>The folder; images in class sub-folders get the sub-folder's name as label (used only for evaluation).</summary>
    public required string Images { get; init; }

    /// <summary>Side length images are resized to.</summary>
    public int Size { get; init; } = 32;

    /// <summary>Convert to one grayscale channel.</summary>
    public bool Grayscale { get; init; }

    /// <summary>Pretraining epochs.</summary>
    public int Epochs { get; init; } = 50;

    /// <summary>Batch size.</summary>
    public int BatchSize { get; init; } = 128;

    /// <summary>Encoder architecture.</summary>
    public BackboneKind Backbone { get; init; } = BackboneKind.ResNet18;

    /// <summary>Device request.</summary>
    public string Device { get; init; } = "auto";

    /// <summary>Seed.</summary>
    public int Seed { get; init; }

    /// <summary>Checkpoint folder (null: none).</summary>
    public string? Checkpoints { get; init; }

    /// <summary>Checkpoint to resume from.</summary>
    public string? Resume { get; init; }

    /// <summary>Where to save the fitted MoCo transformer (null: not saved).</summary>
    public string? Export { get; init; }
}

/// <summary>Pretrains MoCo on the user's own images through LoadImages → ResizeImages → ExtractPixels → MoCo.</summary>
public static class FolderPretrainJob
{
    private static readonly HashSet<string> Extensions = new(StringComparer.OrdinalIgnoreCase) { ".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp" };

    private sealed class FileRow
    {
        public string ImagePath { get; set; } = "";
        public string Label { get; set; } = "";
    }

    /// <summary>Runs it; unreadable images are reported and skipped.</summary>
    public static int Run(FolderPretrainOptions o, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        if (!Directory.Exists(o.Images)) throw new DirectoryNotFoundException($"Image folder '{o.Images}' does not exist.");
        Console.WriteLine(TorchDiagnostics.Describe(DeviceSelector.Resolve(o.Device)));

        var rows = new List<FileRow>();
        var skipped = new List<string>();
        foreach (var file in Directory.EnumerateFiles(o.Images, "*", SearchOption.AllDirectories).Where(f => Extensions.Contains(Path.GetExtension(f))).Order())
        {
            try
            {
                using var image = MLImage.CreateFromFile(file);
                if (image.Width == 0 || image.Height == 0) throw new InvalidDataException("empty image");
            }
            catch (Exception e)
            {
                skipped.Add($"{file}: {e.Message}");
                continue;
            }
            string relative = Path.GetRelativePath(o.Images, file);
            rows.Add(new FileRow { ImagePath = relative, Label = Path.GetDirectoryName(relative) is { Length: > 0 } dir ? dir : "" });
        }
        foreach (var s in skipped) Console.WriteLine($"Skipped unreadable image {s}");
        Console.WriteLine($"{rows.Count:N0} images readable, {skipped.Count:N0} skipped.");
        if (rows.Count < o.BatchSize)
            throw new InvalidOperationException($"{rows.Count} readable images are fewer than one batch of {o.BatchSize}: lower --batch-size.");

        var ml = new MLContext(o.Seed);
        var view = ml.Data.LoadFromEnumerable(rows);
        using var progress = new ConsoleProgress("MoCo v2 pretraining");
        var options = new MoCoOptions
        {
            InputColumnName = "Pixels",
            OutputColumnName = "Features",
            Backbone = o.Backbone,
            SmallImageStem = o.Size <= 64,
            Epochs = o.Epochs,
            BatchSize = o.BatchSize,
            QueueSize = Math.Min(65536, Math.Max(o.BatchSize, rows.Count / 2)),
            Device = o.Device,
            Seed = o.Seed,
            CheckpointDirectory = o.Checkpoints,
            ResumeFrom = o.Resume,
            Progress = progress,
            CancellationToken = cancellationToken,
        };
        IEstimator<ITransformer> images = ml.Transforms.LoadImages("Image", o.Images, nameof(FileRow.ImagePath))
            .Append(ml.Transforms.ResizeImages("Image", o.Size, o.Size));
        if (o.Grayscale) images = images.Append(ml.Transforms.ConvertToGrayscale("Image"));
        var pipeline = images
            .Append(ml.Transforms.ExtractPixels("Pixels", "Image", o.Grayscale ? ImagePixelExtractingEstimator.ColorBits.Red : ImagePixelExtractingEstimator.ColorBits.Rgb))
            .Append(ml.Transforms.PretrainMoCo(options));
        var model = pipeline.Fit(view);
        progress.Dispose();
        var moco = (MoCoTransformer)model.LastTransformer;

        var labels = rows.Select(r => r.Label).ToArray();
        if (labels.Distinct().Count() >= 2)
        {
            var features = FeatureTable.Column(model.Transform(view), "Features");
            var order = LinearProbe.LabelledRows(rows.Count, rows.Count, o.Seed);
            int cut = (int)(rows.Count * 0.8);
            double accuracy = LinearProbe.Accuracy(ml, FeatureTable.Create(ml, features, labels, order[..cut]), FeatureTable.Create(ml, features, labels, order[cut..]));
            Console.WriteLine($"Linear probe on the frozen features (80/20 split of the labelled sub-folders): {accuracy:P1} test accuracy.");
        }
        if (o.Export != null)
        {
            moco.Save(o.Export);
            Console.WriteLine($"Saved the fitted MoCo transformer to {Path.GetFullPath(o.Export)} (MoCoTransformer.Load reads it).");
        }
        Console.WriteLine($"Done in {Duration.Format(clock.Elapsed)}: {rows.Count:N0} images used, {skipped.Count:N0} skipped.");
        return 0;
    }
}
