using System.Reflection;
using System.Runtime.InteropServices;
using MlNetMoco.Build;
using TorchSharp;

namespace MlNetMoco.Core.Tests.Build;

/// <summary>
/// Tests of build/ElfWeakVersionPatcher.cs on the real libLibTorchSharp.so of the TorchSharp package.
/// </summary>
public class ElfWeakVersionPatcherTests
{
    private const string Library = "libstdc++.so.6";
    private const string Version = "GLIBCXX_3.4.32";

    private static string OriginalLibrary()
    {
        string dir = typeof(ElfWeakVersionPatcherTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "TorchSharpPackageDir").Value!;
        return Path.Combine(dir, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
    }

    private static string OutputLibrary() =>
        Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");

    private static bool HostLacksVersion() =>
        ElfWeakVersionPatcher.FindHostLibrary(Library) is { } host && !ElfWeakVersionPatcher.DefinesVersion(host, Version);

    [Fact]
    public void The_package_library_requires_the_version_strongly()
    {
        var needs = ElfWeakVersionPatcher.ReadVersionNeeds(File.ReadAllBytes(OriginalLibrary()));
        var need = Assert.Single(needs, n => n.Library == Library && n.Version == Version);
        Assert.False(need.IsWeak);
        Assert.Contains(needs, n => n.Library == Library && n.Version == "GLIBCXX_3.4");
    }

    [Fact]
    public void Marking_weak_changes_only_that_entry_and_is_idempotent()
    {
        byte[] original = File.ReadAllBytes(OriginalLibrary());
        byte[] patched = (byte[])original.Clone();

        Assert.True(ElfWeakVersionPatcher.MarkWeak(patched, Library, Version));
        var before = ElfWeakVersionPatcher.ReadVersionNeeds(original);
        var after = ElfWeakVersionPatcher.ReadVersionNeeds(patched);
        Assert.Equal(before.Count, after.Count);
        for (int i = 0; i < before.Count; i++)
        {
            Assert.Equal((before[i].Library, before[i].Version), (after[i].Library, after[i].Version));
            bool target = before[i].Library == Library && before[i].Version == Version;
            Assert.Equal(target ? before[i].Flags | ElfWeakVersionPatcher.VerFlagWeak : before[i].Flags, after[i].Flags);
        }
        Assert.Equal(1, original.Zip(patched).Count(p => p.First != p.Second)); // vna_flags' low byte

        byte[] again = (byte[])patched.Clone();
        Assert.False(ElfWeakVersionPatcher.MarkWeak(again, Library, Version));
        Assert.Equal(patched, again);
    }

    [Fact]
    public void Files_that_are_not_ELF64_are_rejected()
    {
        Assert.Throws<InvalidDataException>(() => ElfWeakVersionPatcher.ReadVersionNeeds(new byte[100]));
    }

    [Fact]
    public void The_build_output_copy_is_patched_exactly_when_the_host_lacks_the_version()
    {
        var need = ElfWeakVersionPatcher.ReadVersionNeeds(File.ReadAllBytes(OutputLibrary()))
            .Single(n => n.Library == Library && n.Version == Version);
        Assert.Equal(HostLacksVersion(), need.IsWeak);
        // The NuGet cache is never written.
        Assert.False(ElfWeakVersionPatcher.ReadVersionNeeds(File.ReadAllBytes(OriginalLibrary()))
            .Single(n => n.Library == Library && n.Version == Version).IsWeak);
    }

    [Fact]
    public void Patching_a_hard_link_leaves_the_other_name_untouched()
    {
        if (!HostLacksVersion())
            Assert.Skip($"This host's libstdc++ defines {Version} (or was not found), so nothing is patched here (the test above checks that); the hard-link case runs on hosts that lack it (Debian 12, Ubuntu 22.04).");
        string dir = Directory.CreateTempSubdirectory("mlnetmoco-elf").FullName;
        try
        {
            string source = Path.Combine(dir, "source.so");
            string link = Path.Combine(dir, "link.so");
            File.Copy(OriginalLibrary(), source);
            Assert.Equal(0, Link(source, link));

            string message = ElfWeakVersionPatcher.PatchIfHostLacksVersion(link, Library, Version);

            Assert.Contains("marked", message);
            Assert.Equal(File.ReadAllBytes(OriginalLibrary()), File.ReadAllBytes(source));
            Assert.NotEqual(File.ReadAllBytes(source), File.ReadAllBytes(link));
            Assert.Contains("left unchanged", ElfWeakVersionPatcher.PatchIfHostLacksVersion(link, Library, Version));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void The_patched_copy_loads_and_the_unpatched_one_does_not_on_this_host()
    {
        // Load libtorch first so the copies below find their dependencies by soname.
        Assert.NotEmpty(torch.__version__);
        string dir = Directory.CreateTempSubdirectory("mlnetmoco-elf").FullName;
        try
        {
            string unpatched = Path.Combine(dir, "libUnpatched.so");
            string patched = Path.Combine(dir, "libPatched.so");
            File.Copy(OriginalLibrary(), unpatched);
            byte[] bytes = File.ReadAllBytes(OriginalLibrary());
            ElfWeakVersionPatcher.MarkWeak(bytes, Library, Version);
            File.WriteAllBytes(patched, bytes);

            Assert.True(NativeLibrary.TryLoad(patched, out _), "the patched copy must load");
            if (HostLacksVersion())
            {
                var e = Assert.ThrowsAny<Exception>(() => NativeLibrary.Load(unpatched));
                Assert.Contains(Version, e.Message);
            }
            else
            {
                Assert.True(NativeLibrary.TryLoad(unpatched, out _), "a host with the version loads the original");
            }
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [DllImport("libc", EntryPoint = "link", SetLastError = true)]
    private static extern int Link(string existing, string newPath);
}
