namespace MlNetMoco.Core.Data;

/// <summary>The shape of one image: channels × height × width (the layout of ML.NET's ExtractPixels output).</summary>
/// <param name="Channels">Number of channels: 1 (grayscale) or 3 (RGB); any positive number is accepted.</param>
/// <param name="Height">Height in pixels.</param>
/// <param name="Width">Width in pixels.</param>
public readonly record struct ImageShape(int Channels, int Height, int Width)
{
    /// <summary>Number of values of one image, C·H·W.</summary>
    public int Size => Channels * Height * Width;

    /// <summary>Throws <see cref="ArgumentException"/> unless every dimension is positive.</summary>
    public ImageShape Validate()
    {
        if (Channels <= 0 || Height <= 0 || Width <= 0)
            throw new ArgumentException($"Image shape {this} is not valid: channels, height and width must all be positive.");
        return this;
    }

    /// <inheritdoc />
    public override string ToString() => $"{Channels}×{Height}×{Width}";
}
