namespace MlNetMoco.Schema;

/// <summary>The two kinds of input column the adapter reads.</summary>
internal enum InputKind
{
    /// <summary>A known-size <c>Vector&lt;Single&gt;</c> of C×H×W pixels in [0, InputScale].</summary>
    PixelVector,

    /// <summary>An <c>MLImage</c> column, read as 8-bit RGB (or luminance for one channel).</summary>
    Image,
}
