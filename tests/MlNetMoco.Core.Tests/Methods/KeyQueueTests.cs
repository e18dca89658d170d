using MlNetMoco.Core.Methods;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Tests.Methods;

public class KeyQueueTests
{
    private static Tensor Keys(int n, int dim, float start) =>
        arange(start, start + n * dim).reshape(n, dim).to_type(ScalarType.Float32);

    [Fact]
    public void Starts_with_unit_columns_and_pointer_zero()
    {
        var queue = new KeyQueue(4, 10, CPU);
        using var norms = queue.Keys.norm(0);
        Assert.True(norms.allclose(ones(10), 1e-5, 1e-5));
        Assert.Equal(0, queue.Pointer.item<long>());
    }

    [Fact]
    public void Wraps_around_when_K_is_not_a_multiple_of_the_batch()
    {
        var queue = new KeyQueue(dim: 2, size: 5, CPU);
        using var a = Keys(3, 2, 0);   // rows 0..2 → columns 0..2
        using var b = Keys(3, 2, 100); // rows → columns 3, 4, then 0
        queue.Enqueue(a);
        queue.Enqueue(b);

        Assert.Equal(1, queue.Pointer.item<long>());
        Assert.True(queue.Keys[.., 0].allclose(b[2], 0, 0));
        Assert.True(queue.Keys[.., 1].allclose(a[1], 0, 0));
        Assert.True(queue.Keys[.., 2].allclose(a[2], 0, 0));
        Assert.True(queue.Keys[.., 3].allclose(b[0], 0, 0));
        Assert.True(queue.Keys[.., 4].allclose(b[1], 0, 0));
    }

    [Fact]
    public void A_batch_larger_than_K_keeps_the_newest_keys()
    {
        var queue = new KeyQueue(dim: 2, size: 3, CPU);
        using var keys = Keys(4, 2, 0);
        queue.Enqueue(keys);
        Assert.True(queue.Keys.t().allclose(keys[1..], 0, 0));
        Assert.Equal(0, queue.Pointer.item<long>());
    }

    [Fact]
    public void Many_enqueues_match_a_naive_ring_buffer()
    {
        const int dim = 3, size = 7;
        var queue = new KeyQueue(dim, size, CPU);
        var naive = new float[size][];
        for (int i = 0; i < size; i++) naive[i] = queue.Keys[.., i].data<float>().ToArray();
        int ptr = 0;
        var random = new Random(1);
        for (int round = 0; round < 20; round++)
        {
            int n = random.Next(1, 6);
            using var keys = randn(n, dim);
            queue.Enqueue(keys);
            for (int r = 0; r < n; r++) { naive[ptr] = keys[r].data<float>().ToArray(); ptr = (ptr + 1) % size; }
        }
        for (int i = 0; i < size; i++) Assert.Equal(naive[i], queue.Keys[.., i].data<float>().ToArray());
        Assert.Equal(ptr, queue.Pointer.item<long>());
    }
}
