namespace MlNetMoco.Core.Data;

/// <summary>Free-space queries and recognition of "disk full" errors, for the pixel store writer.</summary>
internal static class DiskSpace
{
    // What .NET puts in IOException.HResult: the errno on Unix (ENOSPC 28; EDQUOT 122 on Linux, 69 on macOS),
    // an HRESULT on Windows (ERROR_HANDLE_DISK_FULL, ERROR_DISK_FULL).
    private static readonly int[] FullCodes = OperatingSystem.IsWindows() ? new[] { unchecked((int)0x80070027), unchecked((int)0x80070070) }
        : OperatingSystem.IsMacOS() ? new[] { 28, 69 }
        : new[] { 28, 122 };

    /// <summary>Bytes free for this user on the disk holding <paramref name="directory"/>, or null when it cannot be told.</summary>
    public static long? FreeBytes(string directory)
    {
        try
        {
            return new DriveInfo(Path.GetFullPath(directory)).AvailableFreeSpace;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>True when <paramref name="error"/> says the disk is full or the quota is spent.</summary>
    public static bool IsFull(IOException error) =>
        error is InsufficientDiskSpaceException
        || FullCodes.Contains(error.HResult)
        || error.Message.Contains("No space left on device", StringComparison.OrdinalIgnoreCase)
        || error.Message.Contains("Disk quota exceeded", StringComparison.OrdinalIgnoreCase)
        || error.Message.Contains("disk was full", StringComparison.OrdinalIgnoreCase);
}
