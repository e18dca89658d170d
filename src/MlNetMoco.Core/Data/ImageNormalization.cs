namespace MlNetMoco.Core.Data;

/// <summary>Per-channel normalisation (x − mean)/std applied to [0, 1] pixel values before the encoder.</summary>
/// <param name="Mean">Mean of each channel, in [0, 1] units.</param>
/// <param name="Std">Standard deviation of each channel, in [0, 1] units (positive).</param>
public sealed record ImageNormalization(float[] Mean, float[] Std)
{
    /// <summary>ImageNet statistics (torchvision), for RGB images.</summary>
    public static ImageNormalization ImageNet { get; } = new(new[] { 0.485f, 0.456f, 0.406f }, new[] { 0.229f, 0.224f, 0.225f });

    /// <summary>Checks that there is one positive std per channel.</summary>
    public ImageNormalization Validate(int channels)
    {
        if (Mean.Length != channels || Std.Length != channels)
            throw new ArgumentException($"Normalisation has {Mean.Length} means and {Std.Length} stds for {channels} channel(s).");
        if (Std.Any(s => !(s > 0)))
            throw new ArgumentException("Normalisation stds must be positive.");
        return this;
    }
}
