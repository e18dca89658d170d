using System.Globalization;

namespace MlNetMoco.Core.Data;

/// <summary>
/// A pixel store could not be written because its disk is full (or the user's quota is spent). Nothing is left
/// behind: the partial file is deleted. The message names the path, the space the store needs and the space found.
/// </summary>
public sealed class InsufficientDiskSpaceException : IOException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The file that was being written.</param>
    /// <param name="requiredBytes">Bytes the complete file needs (a lower bound when the image count was not known).</param>
    /// <param name="availableBytes">Bytes free for this user on that disk when the error was raised; null when unknown.</param>
    /// <param name="hint">What the caller can do instead (appended to the message); null for none.</param>
    /// <param name="inner">The operating system's error, when there was one.</param>
    public InsufficientDiskSpaceException(string path, long requiredBytes, long? availableBytes, string? hint = null, Exception? inner = null)
        : base(Describe(path, requiredBytes, availableBytes, hint), inner)
    {
        Path = path;
        RequiredBytes = requiredBytes;
        AvailableBytes = availableBytes;
    }

    /// <summary>The file that was being written.</summary>
    public string Path { get; }

    /// <summary>Bytes the complete file needs (a lower bound when the image count was not known in advance).</summary>
    public long RequiredBytes { get; }

    /// <summary>Bytes free on that disk when the error was raised; null when unknown.</summary>
    public long? AvailableBytes { get; }

    /// <summary>A size in the units people read: "11.06 GB (11,059,200,000 bytes)".</summary>
    public static string FormatBytes(long bytes) =>
        string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e9:0.00} GB ({bytes:N0} bytes)");

    private static string Describe(string path, long required, long? available, string? hint) =>
        $"Not enough disk space to write the pixel store '{path}': it needs {FormatBytes(required)}" +
        (available is long a ? $", but only {FormatBytes(a)} are free there." : ", and the disk is full.") +
        " The partial file was removed." + (hint is null ? "" : " " + hint);
}
