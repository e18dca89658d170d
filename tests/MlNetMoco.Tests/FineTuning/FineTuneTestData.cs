using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetMoco.Core.Backbones;
using MlNetMoco.FineTuning;
using MlNetMoco.Tests.TestSupport;

namespace MlNetMoco.Tests.FineTuning;

/// <summary>A 1×8×8 image with a text label.</summary>
public sealed class NamedRow
{
    public string Label { get; set; } = "";

    [VectorType(1, 8, 8)]
    public float[] Pixels { get; set; } = Array.Empty<float>();
}

/// <summary>What PredictionEngine / CreateEnumerable read back from a fine-tuned classifier.</summary>
public sealed class ClassifiedRow
{
    public float[] Score { get; set; } = Array.Empty<float>();

    public uint PredictedLabel { get; set; }
}

/// <summary>The predicted class name after MapKeyToValue.</summary>
public sealed class NamedPrediction
{
    public string PredictedName { get; set; } = "";
}

/// <summary>Synthetic labelled images and fast CPU fine-tuning settings.</summary>
public static class FineTuneTestData
{
    public static readonly string[] Names = ["horizontal", "vertical", "checker"];

    public static List<NamedRow> Rows(int count, int seed = 1, int classes = 3) =>
        SyntheticImages.Rows(count, seed).Where(r => r.Label < classes)
            .Select(r => new NamedRow { Label = Names[(int)r.Label], Pixels = r.Pixels }).ToList();

    /// <summary>Fast settings: SmallConvNet on the CPU, small batches, a few epochs, no warm-up.</summary>
    public static FineTuneMoCoOptions Tiny(MoCoTransformer? pretrained = null, int epochs = 3) => new()
    {
        Pretrained = pretrained,
        Backbone = BackboneKind.SmallConvNet,
        ImageChannels = 1,
        ImageHeight = 8,
        ImageWidth = 8,
        Epochs = epochs,
        BatchSize = 16,
        WarmupEpochs = 0,
        Device = "cpu",
        Seed = 3,
    };

    /// <summary>MapValueToKey on the text label, fitted on <paramref name="data"/>.</summary>
    public static ITransformer KeyMapping(MLContext ml, IDataView data) => ml.Transforms.Conversion.MapValueToKey("Label").Fit(data);
}
