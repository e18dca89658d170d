namespace MlNetMoco.Core.Data;

/// <summary>The result of <see cref="PixelStoreFile.Inspect"/>.</summary>
/// <param name="State">What was found.</param>
/// <param name="Header">The header of a <see cref="PixelStoreState.Valid"/> store, else null.</param>
/// <param name="Problem">Why the file is not usable (empty for a valid store).</param>
public sealed record PixelStoreInspection(PixelStoreState State, PixelStoreHeader? Header, string Problem);
