using MlNetMoco.Core.Augmentations;
using TorchSharp;
using static MlNetMoco.Core.Tests.Augmentations.AugmentationTestData;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Tests.Augmentations;

/// <summary>Properties every augmentation shares: shape, range, determinism, purity, per-sample randomness.</summary>
public class AugmentationCommonTests
{
    public static IEnumerable<object[]> Ops() => AllOps();

    public static IEnumerable<object[]> PixelOps() => AllOps().Where(o => o[0] is not ("v1" or "v2" or "v3-1" or "v3-2"));

    [Theory]
    [MemberData(nameof(PixelOps))]
    public void Shape_is_kept_and_values_stay_in_unit_range(string name, IBatchAugmentation op)
    {
        using var scope = NewDisposeScope();
        var images = Noise(6, 3, 16, 16);
        var output = Apply(op, images, 1);
        long[] expected = name == "crop" ? new long[] { 6, 3, 12, 10 } : new long[] { 6, 3, 16, 16 };
        Assert.Equal(expected, output.shape);
        Assert.Equal(ScalarType.Float32, output.dtype);
        Assert.True(output.min().item<float>() >= 0f, name);
        Assert.True(output.max().item<float>() <= 1f, name);
    }

    [Theory]
    [MemberData(nameof(Ops))]
    public void Same_seed_gives_the_same_output_and_another_seed_a_different_one(string name, IBatchAugmentation op)
    {
        using var scope = NewDisposeScope();
        var images = Noise(8, 3, 16, 16);
        var first = Apply(op, images, 42);
        var again = Apply(op, images, 42);
        var other = Apply(op, images, 43);
        Assert.True(Identical(first, again), name);
        Assert.False(first.shape.SequenceEqual(other.shape) && first.allclose(other), name);
    }

    [Theory]
    [MemberData(nameof(Ops))]
    public void Apply_does_not_mutate_its_input_and_returns_a_new_tensor(string name, IBatchAugmentation op)
    {
        using var scope = NewDisposeScope();
        var images = Noise(8, 3, 16, 16);
        var copy = images.clone();
        var output = Apply(op, images, 5);
        Assert.True(Identical(images, copy), name);
        Assert.NotSame(images, output);
        output.zero_(); // writing to the output must not reach the input either
        Assert.True(Identical(images, copy), name);
    }

    [Theory]
    [MemberData(nameof(Ops))]
    public void Identical_images_in_one_batch_are_augmented_differently(string name, IBatchAugmentation op)
    {
        using var scope = NewDisposeScope();
        var images = Repeated(16, 3, 16, 16);
        var output = Apply(op, images, 3);
        int distinct = 0;
        for (int i = 1; i < 16; i++)
            if (!output[i].allclose(output[0])) distinct++;
        Assert.True(distinct > 0, $"{name}: all 16 copies got the same augmentation");
    }

    [Theory]
    [MemberData(nameof(Ops))]
    public void Apply_leaves_no_tensor_alive_but_its_result(string name, IBatchAugmentation op)
    {
        using var images = Noise(8, 3, 16, 16);
        using var warmUp = Apply(op, images, 1);
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        var output = Apply(op, images, 2);
        Assert.Equal(before + 1, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        output.Dispose();
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        _ = name;
    }

    [Fact]
    public void A_generator_stream_is_consumed_the_same_way_whatever_the_pixels()
    {
        using var scope = NewDisposeScope();
        var op = AugmentationPresets.MoCoV2(8, 8, 3, new[] { 0f, 0f, 0f }, new[] { 1f, 1f, 1f });
        var g1 = new Generator(9);
        var g2 = new Generator(9);
        op.Apply(Noise(4, 3, 8, 8, seed: 1), g1);
        op.Apply(zeros(4, 3, 8, 8), g2);
        Assert.True(Identical(rand(new long[] { 8 }, generator: g1), rand(new long[] { 8 }, generator: g2)));
    }

    [Fact]
    public void Results_do_not_depend_on_the_device()
    {
        if (!cuda.is_available())
            Assert.Skip("CUDA is not available: this test compares CPU and CUDA results; it runs on a machine with an NVIDIA GPU and a build with -p:TorchBackend=cuda.");
        using var scope = NewDisposeScope();
        var op = AugmentationPresets.MoCoV2(12, 12, 3, new[] { 0.5f, 0.5f, 0.5f }, new[] { 0.25f, 0.25f, 0.25f });
        var images = Noise(8, 3, 16, 16);
        var onCpu = Apply(op, images, 11);
        var onCuda = Apply(op, images.cuda(), 11);
        Assert.Equal(DeviceType.CUDA, onCuda.device_type);
        Assert.True(MaxAbsDiff(onCpu, onCuda.cpu()) < 1e-3f);
    }

    [Fact]
    public void Non_batched_or_integer_inputs_are_rejected()
    {
        using var scope = NewDisposeScope();
        var op = new RandomHorizontalFlip();
        Assert.Throws<ArgumentException>(() => op.Apply(rand(3, 8, 8), new Generator(1)));
        Assert.Throws<ArgumentException>(() => op.Apply(zeros(new long[] { 1, 3, 8, 8 }, ScalarType.Int32), new Generator(1)));
    }

    [Fact]
    public void Invalid_parameters_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RandomHorizontalFlip(1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RandomGrayscale(-0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ColorJitter(hue: 0.6));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ColorJitter(brightness: -1));
        Assert.Throws<ArgumentException>(() => new GaussianBlur(2, 1));
        Assert.Throws<ArgumentException>(() => new RandomResizedCrop(8, 8, scaleMin: 0.5, scaleMax: 0.2));
        Assert.Throws<ArgumentException>(() => new RandomResizedCrop(8, 8, ratioMin: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RandomResizedCrop(0, 8));
        Assert.Throws<ArgumentException>(() => new Normalize(new[] { 0f }, new[] { 0f }));
        Assert.Throws<ArgumentException>(() => new Normalize(new[] { 0f, 0f }, new[] { 1f }));
    }
}
