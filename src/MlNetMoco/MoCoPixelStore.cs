using MlNetMoco.Core.Data;

namespace MlNetMoco;

/// <summary>
/// The pixel store files Fit writes at <see cref="MoCoOptions.PixelStorePath"/>: look at one, or remove it when it
/// is no longer wanted (Fit keeps it so that later Fits of the same data reuse it).
/// </summary>
public static class MoCoPixelStore
{
    /// <summary>
    /// Deletes the pixel store at <paramref name="path"/>, and any partial file an interrupted Fit left next to it.
    /// Returns false when there was nothing to delete. A Fit that has the store open keeps reading it until it ends
    /// (Linux, macOS).
    /// </summary>
    /// <exception cref="NotAPixelStoreException">The file at <paramref name="path"/> is not a pixel store: it is left alone.</exception>
    public static bool Delete(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return PixelStoreFile.Delete(path);
    }

    /// <summary>
    /// What is at <paramref name="path"/>: nothing, a valid store (with its header: image shape, count, when it
    /// was built, the column it came from and rows skipped), a damaged store, or another file.
    /// </summary>
    public static PixelStoreInspection Inspect(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return PixelStoreFile.Inspect(path);
    }
}
