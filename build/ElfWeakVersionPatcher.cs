// Marks one symbol-version requirement of an ELF shared library as weak (VER_FLG_WEAK), on a copy.
//
// Why: libLibTorchSharp.so of TorchSharp 0.107 requires GLIBCXX_3.4.32 from libstdc++.so.6, but
// Debian 12 and Ubuntu 22.04 ship libstdc++ up to GLIBCXX_3.4.30, so the dynamic loader refuses the
// library. The only symbol bound to that version (std::ios_base_library_init) is never relocated,
// so a weak requirement lets glibc load the library and everything works.
//
// This one file is used twice: compiled by MSBuild's RoslynCodeTaskFactory as the
// PatchWeakVersionNeed task (MlNetMoco.NativeFix.targets, shipped in the NuGet package under
// buildTransitive/), and compiled into the tests with MLNETMOCO_PATCHER_NO_MSBUILD defined.
// It must therefore only use the base class library and stay a single file.
#nullable enable
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace MlNetMoco.Build
{
    /// <summary>One entry of an ELF <c>.gnu.version_r</c> section: a version that a needed library must provide.</summary>
    public sealed class ElfVersionNeed
    {
        /// <summary>Creates an entry.</summary>
        public ElfVersionNeed(string library, string version, ushort flags, int flagsOffset)
        {
            Library = library;
            Version = version;
            Flags = flags;
            FlagsOffset = flagsOffset;
        }

        /// <summary>The needed library's file name, e.g. <c>libstdc++.so.6</c>.</summary>
        public string Library { get; }

        /// <summary>The version name, e.g. <c>GLIBCXX_3.4.32</c>.</summary>
        public string Version { get; }

        /// <summary>The <c>vna_flags</c> field (<see cref="ElfWeakVersionPatcher.VerFlagWeak"/> = weak).</summary>
        public ushort Flags { get; }

        /// <summary>Byte offset of <c>vna_flags</c> in the file.</summary>
        public int FlagsOffset { get; }

        /// <summary>Whether the requirement is weak (a missing version is then not an error).</summary>
        public bool IsWeak => (Flags & ElfWeakVersionPatcher.VerFlagWeak) != 0;
    }

    /// <summary>Reads and patches the version requirements of 64-bit little-endian ELF files.</summary>
    public static class ElfWeakVersionPatcher
    {
        /// <summary>VER_FLG_WEAK from elf.h.</summary>
        public const ushort VerFlagWeak = 0x2;

        private const uint ShtGnuVerneed = 0x6ffffffe;

        /// <summary>Lists every version requirement in <paramref name="elf"/>.</summary>
        /// <exception cref="InvalidDataException">The bytes are not a 64-bit little-endian ELF file.</exception>
        public static List<ElfVersionNeed> ReadVersionNeeds(byte[] elf)
        {
            if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
                throw new InvalidDataException("Not an ELF file.");
            if (elf[4] != 2 || elf[5] != 1)
                throw new InvalidDataException("Only 64-bit little-endian ELF files are supported.");

            var result = new List<ElfVersionNeed>();
            long shoff = (long)U64(elf, 0x28);
            int shentsize = U16(elf, 0x3A);
            int shnum = U16(elf, 0x3C);
            for (int i = 0; i < shnum; i++)
            {
                int sh = checked((int)(shoff + (long)i * shentsize));
                if (U32(elf, sh + 4) != ShtGnuVerneed) continue;
                int offset = checked((int)U64(elf, sh + 0x18));
                int link = (int)U32(elf, sh + 0x28);
                int count = (int)U32(elf, sh + 0x2C);
                int strtab = checked((int)U64(elf, checked((int)(shoff + (long)link * shentsize)) + 0x18));

                int need = offset;
                for (int n = 0; n < count; n++)
                {
                    int auxCount = U16(elf, need + 2);
                    string library = CString(elf, strtab + (int)U32(elf, need + 4));
                    int aux = need + (int)U32(elf, need + 8);
                    for (int a = 0; a < auxCount; a++)
                    {
                        string version = CString(elf, strtab + (int)U32(elf, aux + 8));
                        result.Add(new ElfVersionNeed(library, version, U16(elf, aux + 4), aux + 4));
                        aux += (int)U32(elf, aux + 12);
                    }
                    need += (int)U32(elf, need + 12);
                }
            }
            return result;
        }

        /// <summary>
        /// Sets VER_FLG_WEAK on the requirement of <paramref name="version"/> from <paramref name="library"/>.
        /// Returns false when the file has no such requirement or it is weak already (the bytes are then unchanged).
        /// </summary>
        public static bool MarkWeak(byte[] elf, string library, string version)
        {
            bool changed = false;
            foreach (var need in ReadVersionNeeds(elf))
            {
                if (need.Library != library || need.Version != version || need.IsWeak) continue;
                ushort flags = (ushort)(need.Flags | VerFlagWeak);
                elf[need.FlagsOffset] = (byte)flags;
                elf[need.FlagsOffset + 1] = (byte)(flags >> 8);
                changed = true;
            }
            return changed;
        }

        /// <summary>
        /// Finds the host's copy of <paramref name="library"/> (e.g. <c>libstdc++.so.6</c>) in the usual Linux
        /// library folders; null when there is none (not Linux, or another C++ runtime).
        /// </summary>
        public static string? FindHostLibrary(string library)
        {
            string[] folders =
            {
                "/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
                "/lib/aarch64-linux-gnu", "/usr/lib64", "/lib64", "/usr/lib", "/lib",
            };
            foreach (var folder in folders)
            {
                string path = Path.Combine(folder, library);
                if (File.Exists(path)) return path;
            }
            return null;
        }

        /// <summary>Whether the shared library at <paramref name="path"/> defines the version name <paramref name="version"/>.</summary>
        public static bool DefinesVersion(string path, string version)
        {
            byte[] bytes = File.ReadAllBytes(path);
            byte[] needle = Encoding.ASCII.GetBytes(version + "\0");
            for (int i = 0; i + needle.Length <= bytes.Length; i++)
            {
                int j = 0;
                while (j < needle.Length && bytes[i + j] == needle[j]) j++;
                if (j == needle.Length && (i == 0 || bytes[i - 1] == 0)) return true;
            }
            return false;
        }

        /// <summary>
        /// Marks the requirement weak in the file at <paramref name="path"/> when the host's <paramref name="library"/>
        /// lacks <paramref name="version"/>. Writes a temporary file and renames it over <paramref name="path"/>, so a
        /// hard link into the NuGet cache is replaced, never written through. Returns a one-line description of what was done.
        /// </summary>
        public static string PatchIfHostLacksVersion(string path, string library, string version)
        {
            string? host = FindHostLibrary(library);
            if (host == null) return $"{path}: host has no {library}; left unchanged.";
            if (DefinesVersion(host, version)) return $"{path}: host {host} provides {version}; left unchanged.";

            byte[] elf = File.ReadAllBytes(path);
            if (!MarkWeak(elf, library, version)) return $"{path}: no strong {version} requirement; left unchanged.";

            string temp = path + ".weak-tmp";
            File.WriteAllBytes(temp, elf);
            File.Delete(path); // unlinks a hard link instead of writing through it
            File.Move(temp, path);
            return $"{path}: marked {library} {version} weak (host {host} lacks it).";
        }

        private static ushort U16(byte[] b, int o) => (ushort)(b[o] | b[o + 1] << 8);

        private static uint U32(byte[] b, int o) => (uint)(b[o] | b[o + 1] << 8 | b[o + 2] << 16 | b[o + 3] << 24);

        private static ulong U64(byte[] b, int o) => U32(b, o) | (ulong)U32(b, o + 4) << 32;

        private static string CString(byte[] b, int o)
        {
            int end = o;
            while (b[end] != 0) end++;
            return Encoding.ASCII.GetString(b, o, end - o);
        }
    }

#if !MLNETMOCO_PATCHER_NO_MSBUILD
    /// <summary>MSBuild task: patches each of <see cref="Files"/> with <see cref="ElfWeakVersionPatcher.PatchIfHostLacksVersion"/>.</summary>
    public sealed class PatchWeakVersionNeed : Microsoft.Build.Utilities.Task
    {
        /// <summary>The ELF files to patch in place (copies in a build output, never the NuGet cache).</summary>
        [Microsoft.Build.Framework.Required]
        public Microsoft.Build.Framework.ITaskItem[] Files { get; set; } = Array.Empty<Microsoft.Build.Framework.ITaskItem>();

        /// <summary>The needed library, e.g. libstdc++.so.6.</summary>
        [Microsoft.Build.Framework.Required]
        public string Library { get; set; } = "";

        /// <summary>The version requirement to make weak, e.g. GLIBCXX_3.4.32.</summary>
        [Microsoft.Build.Framework.Required]
        public string Version { get; set; } = "";

        /// <inheritdoc />
        public override bool Execute()
        {
            foreach (var item in Files)
            {
                try
                {
                    Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Normal,
                        ElfWeakVersionPatcher.PatchIfHostLacksVersion(item.ItemSpec, Library, Version));
                }
                catch (Exception e)
                {
                    Log.LogError($"MlNetMoco: could not patch {item.ItemSpec}: {e.Message}");
                }
            }
            return !Log.HasLoggedErrors;
        }
    }
#endif
}
