namespace MlNetMoco.Core.Data;

/// <summary>
/// The file is not a pixel store at all (its first bytes are not <see cref="PixelStoreHeader.Magic"/>), as opposed
/// to a damaged one (<see cref="InvalidDataException"/>): code that would replace a damaged store leaves such a file
/// alone.
/// </summary>
public sealed class NotAPixelStoreException : IOException
{
    /// <summary>Creates the exception for <paramref name="source"/> (a path or a description of the data).</summary>
    public NotAPixelStoreException(string source)
        : base($"{source} is not an MlNetMoco pixel store (its first bytes are not the '{System.Text.Encoding.ASCII.GetString(PixelStoreHeader.Magic)}' header).")
    {
        SourceName = source;
    }

    /// <summary>The path or description of the data that was read.</summary>
    public string SourceName { get; }
}
