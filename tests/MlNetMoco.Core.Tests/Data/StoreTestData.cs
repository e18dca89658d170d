using MlNetMoco.Core.Data;

namespace MlNetMoco.Core.Tests.Data;

/// <summary>A fresh folder under the system temp folder, deleted on dispose.</summary>
public sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mlnetmoco-core-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Names of the files in the folder (partial files included).</summary>
    public string[] Files() => Directory.GetFiles(Path).Select(System.IO.Path.GetFileName).Order().ToArray()!;

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
    }
}

/// <summary>Seeded 8-bit images as [0, 1] floats, and helpers to read every image of a data set.</summary>
public static class StoreTestData
{
    /// <summary>The float a stored byte b stands for: b·(1/255), exactly as the stores decode it.</summary>
    public static float Value(int b) => b * (1f / 255f);

    /// <summary><paramref name="count"/> random images of <paramref name="shape"/>, values b·(1/255) (what the stores hand back).</summary>
    public static float[][] Images(ImageShape shape, int count, int seed = 1)
    {
        var random = new Random(seed);
        var bytes = new byte[shape.Size];
        return Enumerable.Range(0, count).Select(_ =>
        {
            random.NextBytes(bytes);
            return bytes.Select(b => Value(b)).ToArray();
        }).ToArray();
    }

    /// <summary>Every image of <paramref name="data"/>, in index order, as one array.</summary>
    public static float[] All(IImageDataset data)
    {
        var all = new float[(long)data.Count * data.Shape.Size];
        data.CopyImages(Enumerable.Range(0, data.Count).ToArray(), all);
        return all;
    }

    /// <summary>Writes <paramref name="images"/> to a complete store at <paramref name="path"/>.</summary>
    public static PixelStoreHeader WriteStore(string path, ImageShape shape, IEnumerable<float[]> images, string fingerprint = "fp")
    {
        using var writer = PixelStoreWriter.Create(path, shape);
        foreach (var image in images) writer.Add(image);
        return writer.Complete(fingerprint, "test images");
    }
}
