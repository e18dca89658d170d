using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace MlNetMoco.Benchmarks;

/// <summary>
/// Evicts one file from the Linux page cache (<c>posix_fadvise(POSIX_FADV_DONTNEED)</c> on its clean pages), so that
/// the next pass reads it from the disk: a cold-cache measurement that leaves every other file, and so every other
/// process on a shared machine, alone. Pages that a process has mapped stay: unmap the file first.
/// </summary>
internal static class PageCache
{
    private const int DontNeed = 4; // POSIX_FADV_DONTNEED on Linux

    /// <summary>Asks the kernel to drop <paramref name="path"/>'s cached pages; returns false where that is not possible.</summary>
    public static bool Evict(string path)
    {
        if (!OperatingSystem.IsLinux()) return false;
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        return Advise(handle, 0, 0, DontNeed) == 0;
    }

    [DllImport("libc", EntryPoint = "posix_fadvise")]
    private static extern int Advise(SafeFileHandle fd, long offset, long length, int advice);
}
