namespace MlNetMoco.Core.Data;

/// <summary>What <see cref="PixelStoreFile.Inspect"/> found at a path.</summary>
public enum PixelStoreState
{
    /// <summary>No file.</summary>
    Missing,

    /// <summary>A complete pixel store whose header and length check out.</summary>
    Valid,

    /// <summary>A pixel store that is truncated, damaged or of a newer format: rebuild it.</summary>
    Damaged,

    /// <summary>Some other file (or a folder): never overwrite or delete it.</summary>
    NotAStore,
}
