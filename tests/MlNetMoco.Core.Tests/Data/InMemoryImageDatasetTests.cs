using MlNetMoco.Core.Data;

namespace MlNetMoco.Core.Tests.Data;

public class InMemoryImageDatasetTests
{
    [Fact]
    public void Stores_8_bit_values_losslessly_and_grows()
    {
        var data = new InMemoryImageDataset(new ImageShape(1, 2, 2), capacity: 1);
        for (int i = 0; i < 5; i++) data.Add(new[] { 0f, i / 255f, 128 / 255f, 1f });
        var copy = new float[8];
        data.CopyImages(new[] { 4, 2 }, copy);
        Assert.Equal(5, data.Count);
        Assert.Equal(new[] { 0f, 4 / 255f, 128 / 255f, 1f, 0f, 2 / 255f, 128 / 255f, 1f }, copy);
    }

    [Fact]
    public void Every_byte_value_decodes_to_b_times_one_255th_in_vectorised_and_scalar_code_alike()
    {
        // 257 values: the vectorised loop covers the first ones, the scalar tail the last.
        var shape = new ImageShape(1, 1, 257);
        var data = new InMemoryImageDataset(shape);
        data.Add(Enumerable.Range(0, 257).Select(i => StoreTestData.Value(i % 256)).ToArray());
        var copy = new float[257];
        data.CopyImages(new[] { 0 }, copy);
        for (int i = 0; i < 257; i++) Assert.Equal(StoreTestData.Value(i % 256), copy[i]);
    }

    [Fact]
    public void Rejects_wrong_sizes_and_non_finite_values()
    {
        var data = new InMemoryImageDataset(new ImageShape(1, 1, 2));
        Assert.Throws<ArgumentException>(() => data.Add(new[] { 0f }));
        var e = Assert.Throws<ArgumentException>(() => data.Add(new[] { 0f, float.NaN }));
        Assert.Contains("non-finite", e.Message);
    }

    [Fact]
    public void Statistics_match_a_direct_computation()
    {
        var data = new InMemoryImageDataset(new ImageShape(2, 1, 2));
        data.Add(new[] { 0f, 1f, 0.2f, 0.2f });
        data.Add(new[] { 1f, 0f, 0.6f, 0.6f });
        var stats = DatasetStatistics.Compute(data, chunk: 1);
        Assert.Equal(0.5f, stats.Mean[0], 3);
        Assert.Equal(0.5f, stats.Std[0], 3);
        Assert.Equal(0.4f, stats.Mean[1], 2);
        Assert.Equal(0.2f, stats.Std[1], 2);
    }
}
