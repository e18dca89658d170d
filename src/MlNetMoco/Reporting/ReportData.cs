using System.Globalization;
using Microsoft.ML;
using MlNetMoco.Core.Data;
using MlNetMoco.Core.Training;
using MlNetMoco.Data;
using MlNetMoco.Logging;
using MlNetMoco.Schema;

namespace MlNetMoco.Reporting;

/// <summary>
/// The labelled rows of the training report (<see cref="MoCoOptions.LabelColumnName"/>, <see cref="MoCoOptions.ValidationData"/>):
/// at most <see cref="MoCoOptions.ReportMaxRows"/>, chosen by a seeded permutation, split into the rows the probe is
/// fitted on (the k-NN memory bank) and the held-out rows it is scored on. Reads the label column once and the pixels
/// of the chosen rows only; rows whose image cannot be read are left out.
/// </summary>
/// <param name="Data">Probe-training images (Train) and held-out images (Test) with their classes.</param>
/// <param name="HeldOutSource">"Fit's input" or "ValidationData".</param>
internal sealed record ReportData(KnnMonitorData Data, string HeldOutSource)
{
    /// <summary>The rows and classes, for the log: "3,200 rows fit the probe, 800 held out (Fit's input), 10 classes".</summary>
    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"{Data.Train.Count:N0} labelled rows fit the probe and are the k-NN memory bank, {Data.Test.Count:N0} held out ({HeldOutSource}), {Data.ClassCount} classes");

    /// <summary>Checks the label column and <see cref="MoCoOptions.ValidationData"/>'s schema, before any row is read.</summary>
    /// <returns>Whether Fit's input has a usable label column.</returns>
    /// <exception cref="ArgumentOutOfRangeException">Fit's input has no usable label column and no ValidationData is given, or the column has an unsupported type (named).</exception>
    /// <exception cref="ArgumentException">ValidationData lacks a column or has another image shape (named).</exception>
    public static bool CheckSchemas(DataViewSchema input, InputBinding binding, MoCoOptions options)
    {
        string name = options.LabelColumnName!;
        string? problem = ReportLabels.Problem(input, name);
        if (problem is not null && (options.ValidationData is null || input.GetColumnOrNull(name) is not null))
            throw new ArgumentOutOfRangeException("inputSchema", $"MoCoOptions.LabelColumnName: {Capitalized(problem)} in Fit's input.");
        if (options.ValidationData is { } validation)
        {
            InputBinding other;
            try
            {
                other = InputBinding.Resolve(validation.Schema, options.InputColumnName, InputBinding.DeclaredShape.From(options), InputBinding.OutputNames.None);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"MoCoOptions.ValidationData: {e.Message}", nameof(MoCoOptions.ValidationData), e);
            }
            if (other.Shape != binding.Shape)
                throw new ArgumentException($"MoCoOptions.ValidationData: its images in column '{other.ColumnName}' are {other.Shape}, the training images {binding.Shape}.",
                    nameof(MoCoOptions.ValidationData));
            if (ReportLabels.Problem(validation.Schema, name) is { } validationProblem)
                throw new ArgumentException($"MoCoOptions.ValidationData: {Capitalized(validationProblem)}.", nameof(MoCoOptions.ValidationData));
        }
        return problem is null;
    }

    /// <summary>Reads the report's rows (schemas checked by <see cref="CheckSchemas"/>).</summary>
    /// <exception cref="ArgumentException">Too few labelled rows or classes (named).</exception>
    public static ReportData Read(IDataView input, bool inputHasLabels, InputBinding binding, MoCoOptions options, MoCoLog log, CancellationToken token)
    {
        string name = options.LabelColumnName!;
        int max = options.ReportMaxRows;
        int heldOutMax = Math.Max(1, max - (int)Math.Round(max * MoCoDefaults.ReportTrainFraction));
        List<string?> trainLabels, testLabels;
        int[] trainRows, testRows;
        IDataView trainSource, testSource;
        string heldOutSource;
        var validationBinding = options.ValidationData is { } v
            ? InputBinding.Resolve(v.Schema, options.InputColumnName, InputBinding.DeclaredShape.From(options), InputBinding.OutputNames.None)
            : null;
        InputBinding BindingOf(IDataView source) => ReferenceEquals(source, input) ? binding : validationBinding!;
        if (options.ValidationData is { } validation && inputHasLabels)
        {
            testLabels = ReportLabels.Read(validation, name, token);
            testRows = Labelled(testLabels, options.Seed, 1).Take(heldOutMax).ToArray();
            trainLabels = ReportLabels.Read(input, name, token);
            trainRows = Labelled(trainLabels, options.Seed, 0).Take(max - testRows.Length).ToArray();
            (trainSource, testSource, heldOutSource) = (input, validation, "ValidationData");
        }
        else
        {
            var source = options.ValidationData ?? input;
            trainLabels = testLabels = ReportLabels.Read(source, name, token);
            var rows = Labelled(trainLabels, options.Seed, 0).Take(max).ToArray();
            int cut = Math.Min(rows.Length - 1, (int)Math.Round(rows.Length * MoCoDefaults.ReportTrainFraction));
            trainRows = rows[..Math.Max(cut, 0)];
            testRows = rows[Math.Max(cut, 0)..];
            (trainSource, testSource, heldOutSource) = (source, source, options.ValidationData is null ? "Fit's input" : "ValidationData");
        }

        var classes = trainRows.Select(r => trainLabels[r]!).Concat(testRows.Select(r => testLabels[r]!)).Distinct().Order(StringComparer.Ordinal)
            .Select((label, i) => (label, i)).ToDictionary(p => p.label, p => p.i);
        var (train, trainClasses) = ReadImages(trainSource, BindingOf(trainSource), trainRows, trainLabels, classes, options, log, token);
        var (test, testClasses) = ReadImages(testSource, BindingOf(testSource), testRows, testLabels, classes, options, log, token);
        int trainClassCount = trainClasses.Distinct().Count();
        if (train.Count < 2 || test.Count < 1 || trainClassCount < 2)
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"MoCoOptions.LabelColumnName: the report needs at least 2 labelled rows of 2 classes to fit the probe and 1 held-out row; label column '{name}' gave " +
                $"{train.Count} readable row(s) of {trainClassCount} class(es) to fit and {test.Count} held out."), nameof(MoCoOptions.LabelColumnName));
        return new ReportData(new KnnMonitorData(train, trainClasses, test, testClasses).Validate(), heldOutSource);
    }

    /// <summary>The labelled rows in a seeded random order.</summary>
    private static int[] Labelled(List<string?> labels, int seed, int stream)
    {
        var rows = Enumerable.Range(0, labels.Count).Where(r => labels[r] is not null).ToArray();
        new Random((int)(Seeds.Mix(seed, -11, stream) & int.MaxValue)).Shuffle(rows);
        return rows;
    }

    /// <summary>The images of <paramref name="rows"/> (in row order) and their classes; unreadable rows are left out with a warning.</summary>
    private static (InMemoryImageDataset Images, int[] Classes) ReadImages(IDataView data, InputBinding binding, int[] rows, List<string?> labels,
        Dictionary<string, int> classes, MoCoOptions options, MoCoLog log, CancellationToken token)
    {
        var wanted = new HashSet<long>(rows.Select(r => (long)r));
        var images = new InMemoryImageDataset(binding.Shape, rows.Length);
        var chosen = new List<int>();
        var buffer = new float[binding.Shape.Size];
        var skipped = new UnreadableRows();
        using var cursor = data.GetRowCursorSet(new[] { data.Schema[binding.ColumnName] }, 1)[0];
        var reader = new PixelRowReader(cursor, binding, options.InputScale, new OnceFlag(), log);
        while (chosen.Count + skipped.Count < wanted.Count && cursor.MoveNext())
        {
            if ((cursor.Position & 255) == 0) token.ThrowIfCancellationRequested();
            if (!wanted.Contains(cursor.Position)) continue;
            try
            {
                reader.Read(buffer);
            }
            catch (UnreadableRowException e)
            {
                skipped.Add(e, null);
                continue;
            }
            images.Add(buffer);
            chosen.Add(classes[labels[(int)cursor.Position]!]);
        }
        if (skipped.Count > 0)
            log.Warning($"The training report left out {skipped.Count} labelled row(s) whose image could not be read: {skipped.Describe()}.");
        return (images, chosen.ToArray());
    }

    private static string Capitalized(string text) => char.ToUpperInvariant(text[0]) + text[1..];
}
