namespace MlNetMoco.Tests.TestSupport;

/// <summary>A path column for LoadImages.</summary>
public sealed class ImageFile
{
    public string Path { get; set; } = "";
}

/// <summary>
/// Real PNG and JPEG photos of Debian's python3-skimage package (colour and grayscale, various sizes), an optional
/// tool: without them a test skips visibly, or fails when <c>MLNETMOCO_REQUIRE_OPTIONAL_TOOLS=1</c> (<see cref="OptionalTool"/>).
/// </summary>
public static class Photos
{
    public const string Folder = "/usr/lib/python3/dist-packages/skimage/data";

    public static readonly string[] Names =
    {
        "astronaut.png", "camera.png", "chelsea.png", "coffee.png", "coins.png", "horse.png",
        "moon.png", "brick.png", "rocket.jpg", "retina.jpg", "hubble_deep_field.jpg", "grass.png",
    };

    /// <summary>
    /// Copies the photos into <paramref name="dir"/> and returns their new paths; skips the test (or fails it in strict
    /// mode) when they are missing.
    /// </summary>
    public static List<ImageFile> CopyTo(TempDirectory dir)
    {
        string[] missing = Names.Where(name => !File.Exists(System.IO.Path.Combine(Folder, name))).ToArray();
        if (missing.Length > 0)
            OptionalTool.Missing("python3-skimage", "scikit-image's sample photos", $"{missing.Length} of {Names.Length} missing in {Folder}");
        return Names.Select(name =>
        {
            string target = dir.File(name);
            File.Copy(System.IO.Path.Combine(Folder, name), target);
            return new ImageFile { Path = target };
        }).ToList();
    }
}
