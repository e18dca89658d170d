using MlNetMoco.Demo.Data;

namespace MlNetMoco.Demo.Tests.Data;

public class FashionMnistTests
{
    [Fact]
    public void The_embedded_subset_loads_with_balanced_classes_and_8_bit_pixels()
    {
        var data = FashionMnist.Load("embedded");
        Assert.Equal(10_000, data.Train.Length);
        Assert.Equal(2_000, data.Test.Length);
        Assert.All(data.Train.Take(50), r => Assert.Equal(784, r.Pixels.Length));
        Assert.InRange(data.Train.SelectMany(r => r.Pixels).Max(), 200f, 255f);
        Assert.Equal(10, data.Train.Select(r => r.Label).Distinct().Count());
        Assert.All(data.Train.GroupBy(r => r.Label), g => Assert.InRange(g.Count(), 900, 1100));
    }

    [Fact]
    public void The_full_data_set_of_Debians_package_loads_with_6000_and_1000_images_per_class()
    {
        string[] missing = new[] { "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte" }
            .Where(name => !File.Exists(Path.Combine(FashionMnist.DebianPath, name + ".gz")) && !File.Exists(Path.Combine(FashionMnist.DebianPath, name)))
            .ToArray();
        if (missing.Length > 0)
            OptionalTool.Missing("dataset-fashion-mnist", "The full Fashion-MNIST", $"{string.Join(", ", missing)} missing in {FashionMnist.DebianPath}");

        var data = FashionMnist.Load("full");
        Assert.Equal(FashionMnist.DebianPath, data.Source);
        Assert.Equal(60_000, data.Train.Length);
        Assert.Equal(10_000, data.Test.Length);
        Assert.Equal(10, data.Train.Select(r => r.Label).Distinct().Count());
        Assert.All(data.Train.GroupBy(r => r.Label), g => Assert.Equal(6_000, g.Count()));
        Assert.All(data.Test.GroupBy(r => r.Label), g => Assert.Equal(1_000, g.Count()));
        Assert.All(data.Test.Take(50), r => Assert.Equal(784, r.Pixels.Length));
    }

    [Fact]
    public void A_missing_folder_and_a_truncated_file_give_clear_errors()
    {
        Assert.Throws<DirectoryNotFoundException>(() => FashionMnist.Load("/nonexistent/folder"));
        string dir = Directory.CreateTempSubdirectory("mlnetmoco-idx").FullName;
        File.WriteAllBytes(Path.Combine(dir, "bad"), new byte[] { 0, 0, 8, 1, 0, 0, 0, 9, 1, 2 });
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.Read(Path.Combine(dir, "bad")));
        Assert.Contains("truncated", e.Message);
        Directory.Delete(dir, true);
    }
}
