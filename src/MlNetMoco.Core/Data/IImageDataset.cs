namespace MlNetMoco.Core.Data;

/// <summary>
/// Random access to a set of unlabeled images, the input of pretraining. Pixel values handed out are in [0, 1],
/// laid out C×H×W per image (channel-major, as ML.NET's ExtractPixels writes them).
/// </summary>
public interface IImageDataset
{
    /// <summary>Number of images.</summary>
    int Count { get; }

    /// <summary>Shape shared by all images.</summary>
    ImageShape Shape { get; }

    /// <summary>
    /// Copies the images at <paramref name="indices"/> one after another into <paramref name="destination"/>
    /// (length ≥ indices.Length · Shape.Size). Must be safe to call from a background thread.
    /// </summary>
    void CopyImages(ReadOnlySpan<int> indices, Span<float> destination);
}
