using System.Runtime.InteropServices;

namespace MlNetMoco.Core.Devices;

/// <summary>
/// Sets a variable in the process environment that native libraries read with <c>getenv</c>. On Unix .NET keeps its
/// own copy of the environment, so <see cref="Environment.SetEnvironmentVariable(string, string)"/> alone is not
/// seen by libtorch; this calls the C library's <c>setenv</c> as well.
/// </summary>
internal static class NativeEnvironment
{
    /// <summary>The value native code sees (the C library's environment on Unix).</summary>
    public static string? Get(string name)
    {
        if (OperatingSystem.IsWindows()) return Environment.GetEnvironmentVariable(name);
        IntPtr value = getenv(name);
        return value == IntPtr.Zero ? null : Marshal.PtrToStringUTF8(value);
    }

    /// <summary>Sets <paramref name="name"/> for native code and for .NET; true when it was set.</summary>
    public static bool Set(string name, string value)
    {
        Environment.SetEnvironmentVariable(name, value);
        if (OperatingSystem.IsWindows()) return true;
        try
        {
            return setenv(name, value, 1) == 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [DllImport("libc", EntryPoint = "getenv")]
    private static extern IntPtr getenv([MarshalAs(UnmanagedType.LPUTF8Str)] string name);

    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int setenv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);
}
