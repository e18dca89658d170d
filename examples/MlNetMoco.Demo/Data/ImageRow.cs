using Microsoft.ML.Data;

namespace MlNetMoco.Demo.Data;

/// <summary>One 28×28 grayscale Fashion-MNIST image as ML.NET sees it: 784 pixels in [0, 255] (ExtractPixels' range) and a class name.</summary>
public sealed class ImageRow
{
    /// <summary>Side of the images.</summary>
    public const int Side = 28;

    /// <summary>C×H×W pixel values in [0, 255].</summary>
    [VectorType(1, Side, Side)]
    public float[] Pixels { get; set; } = Array.Empty<float>();

    /// <summary>The class name, e.g. "Sneaker".</summary>
    public string Label { get; set; } = "";
}
