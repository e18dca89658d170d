using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetMoco.Core.Data;
using MlNetMoco.Core.Training;
using MlNetMoco.Data;
using MlNetMoco.Logging;
using MlNetMoco.Schema;

namespace MlNetMoco;

/// <summary>Builds the k-NN monitor data (<see cref="MoCoOptions.KnnMonitor"/>) from ML.NET data views.</summary>
public static class MoCoKnnMonitor
{
    /// <summary>
    /// Reads the images and labels of a memory-bank set and a test set. Images are read from
    /// <see cref="MoCoOptions.InputColumnName"/> exactly as Fit reads them (same shape rules and
    /// <see cref="MoCoOptions.InputScale"/>); labels from <paramref name="labelColumnName"/>, which may be a key
    /// column (<c>MapValueToKey</c>; fit one mapping for both sets so keys agree) or an integer/float column of
    /// 0-based class indices.
    /// </summary>
    /// <param name="train">The labelled images the test images are compared with.</param>
    /// <param name="test">The labelled images whose k-NN accuracy is reported.</param>
    /// <param name="labelColumnName">The label column. Default "Label".</param>
    /// <param name="options">The estimator's options (input column, image shape, input scale). Default: the defaults.</param>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or has the wrong type (the message names it).</exception>
    /// <exception cref="ArgumentException">A label is missing, negative or not an integer; or a row holds NaN/∞.</exception>
    public static KnnMonitorData FromDataViews(IDataView train, IDataView test, string labelColumnName = "Label", MoCoOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        options = (options ?? new MoCoOptions()).Validate();
        var (trainImages, trainLabels) = Read(train, labelColumnName, options);
        var (testImages, testLabels) = Read(test, labelColumnName, options);
        if (trainImages.Shape != testImages.Shape)
            throw new ArgumentException($"The k-NN monitor's training images are {trainImages.Shape} but its test images are {testImages.Shape}.");
        return new KnnMonitorData(trainImages, trainLabels, testImages, testLabels).Validate();
    }

    private static (InMemoryImageDataset Images, int[] Labels) Read(IDataView data, string labelColumnName, MoCoOptions options)
    {
        var binding = InputBinding.Resolve(data.Schema, options.InputColumnName, InputBinding.DeclaredShape.From(options), InputBinding.OutputNames.None);
        var images = DataViewImageReader.Read(data, binding, options.InputScale, new MoCoLog(null, options.Log), options.CancellationToken);
        var labels = ReadLabels(data, labelColumnName);
        if (labels.Length != images.Count)
            throw new InvalidOperationException($"The data view gave {images.Count} images but {labels.Length} labels.");
        return (images, labels);
    }

    private static int[] ReadLabels(IDataView data, string labelColumnName)
    {
        var column = data.Schema.GetColumnOrNull(labelColumnName)
            ?? throw new ArgumentOutOfRangeException("inputSchema", $"Label column '{labelColumnName}' was not found in the input schema.");
        var type = column.Type;
        using var cursor = data.GetRowCursor(new[] { column });
        var labels = new List<int>();
        Func<long> next;
        if (type is KeyDataViewType key && key.RawType == typeof(uint))
        {
            var getter = cursor.GetGetter<uint>(column);
            next = () => { uint v = 0; getter(ref v); return v == 0 ? -1 : v - 1L; };
        }
        else if (type == NumberDataViewType.Int32)
        {
            var getter = cursor.GetGetter<int>(column);
            next = () => { int v = 0; getter(ref v); return v; };
        }
        else if (type == NumberDataViewType.Int64)
        {
            var getter = cursor.GetGetter<long>(column);
            next = () => { long v = 0; getter(ref v); return v; };
        }
        else if (type == NumberDataViewType.UInt32)
        {
            var getter = cursor.GetGetter<uint>(column);
            next = () => { uint v = 0; getter(ref v); return v; };
        }
        else if (type == NumberDataViewType.Single)
        {
            var getter = cursor.GetGetter<float>(column);
            next = () => { float v = 0; getter(ref v); return v == MathF.Round(v) && float.IsFinite(v) ? (long)v : -1; };
        }
        else if (type == NumberDataViewType.Double)
        {
            var getter = cursor.GetGetter<double>(column);
            next = () => { double v = 0; getter(ref v); return v == Math.Round(v) && double.IsFinite(v) ? (long)v : -1; };
        }
        else
            throw new ArgumentOutOfRangeException("inputSchema",
                $"Label column '{labelColumnName}' has type {type}; expected a key (MapValueToKey) or integer class indices.");

        while (cursor.MoveNext())
        {
            long label = next();
            if (label < 0 || label > int.MaxValue)
                throw new ArgumentException($"Row {cursor.Position} of label column '{labelColumnName}' is missing, negative or not a whole number; the k-NN monitor needs 0-based class indices.");
            labels.Add((int)label);
        }
        return labels.ToArray();
    }
}
