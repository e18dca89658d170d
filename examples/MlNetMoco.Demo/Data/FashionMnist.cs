namespace MlNetMoco.Demo.Data;

/// <summary>Loads Fashion-MNIST (Xiao et al. 2017) from IDX files: the embedded subset, Debian's package, or a folder.</summary>
public sealed class FashionMnist
{
    /// <summary>Where Debian's dataset-fashion-mnist package puts the full data set.</summary>
    public const string DebianPath = "/usr/share/datasets/fashion-mnist";

    /// <summary>The ten class names, by label index.</summary>
    public static readonly string[] ClassNames =
        { "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot" };

    private FashionMnist(string source, ImageRow[] train, ImageRow[] test)
    {
        Source = source;
        Train = train;
        Test = test;
    }

    /// <summary>Folder the data came from.</summary>
    public string Source { get; }

    /// <summary>The training images (the unlabeled pool of pretraining; labels used only by the probes).</summary>
    public ImageRow[] Train { get; }

    /// <summary>The test images.</summary>
    public ImageRow[] Test { get; }

    /// <summary>
    /// Resolves <paramref name="data"/>: "embedded" (the subset shipped with this example), "full" (Debian's package
    /// path) or a folder holding the four IDX files (gzip-compressed or not).
    /// </summary>
    public static FashionMnist Load(string data)
    {
        string folder = data switch
        {
            "embedded" => Path.Combine(AppContext.BaseDirectory, "fashion-mnist-subset"),
            "full" => DebianPath,
            _ => data,
        };
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException(data == "full"
                ? $"Full Fashion-MNIST not found in {DebianPath}: install Debian's dataset-fashion-mnist package or pass --data FOLDER."
                : $"Data folder '{folder}' does not exist.");
        return new FashionMnist(folder, Read(folder, "train"), Read(folder, "t10k"));
    }

    private static ImageRow[] Read(string folder, string prefix)
    {
        string Find(string kind)
        {
            foreach (var name in new[] { $"{prefix}-{kind}.gz", $"{prefix}-{kind}" })
                if (File.Exists(Path.Combine(folder, name))) return Path.Combine(folder, name);
            throw new FileNotFoundException($"'{folder}' has no {prefix}-{kind}[.gz] file.");
        }

        var (imageDims, pixels) = IdxReader.Read(Find("images-idx3-ubyte"));
        var (labelDims, labels) = IdxReader.Read(Find("labels-idx1-ubyte"));
        if (imageDims.Length != 3 || imageDims[1] != ImageRow.Side || imageDims[2] != ImageRow.Side || labelDims[0] != imageDims[0])
            throw new InvalidDataException($"'{folder}': expected N×28×28 images and N labels.");
        var rows = new ImageRow[imageDims[0]];
        const int size = ImageRow.Side * ImageRow.Side;
        for (int n = 0; n < rows.Length; n++)
        {
            var image = new float[size];
            for (int i = 0; i < size; i++) image[i] = pixels[n * size + i];
            rows[n] = new ImageRow { Pixels = image, Label = ClassNames[labels[n]] };
        }
        return rows;
    }
}
