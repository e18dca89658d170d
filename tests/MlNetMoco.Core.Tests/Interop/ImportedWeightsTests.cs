using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Interop;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Tests.Interop;

public class ImportedWeightsTests : IDisposable
{
    private static readonly BackboneSpec Small = new(BackboneKind.SmallConvNet, 1);
    private static readonly BackboneSpec R18 = new(BackboneKind.ResNet18);
    private readonly string _folder = Directory.CreateTempSubdirectory("mlnetmoco-import-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string PathOf(string name) => Path.Combine(_folder, name);

    [Theory]
    [InlineData("module.encoder_q.", StateDictLayout.MoCo)]
    [InlineData("encoder_q.", StateDictLayout.MoCo)]
    [InlineData("module.base_encoder.", StateDictLayout.MoCoV3)]
    [InlineData("base_encoder.", StateDictLayout.MoCoV3)]
    [InlineData("module.", StateDictLayout.Encoder)]
    [InlineData("", StateDictLayout.Encoder)]
    public void Each_layout_is_detected_and_loads_every_tensor(string prefix, StateDictLayout layout)
    {
        using var source = InteropTestData.Network(Small, seed: 2);
        string path = PathOf("w.safetensors");
        var extra = prefix.Length == 0 ? [] : new[] { ("queue", randn(16, 8)), ("queue_ptr", zeros(1, dtype: ScalarType.Int64)) };
        InteropTestData.WriteSafeTensors(path, source, prefix, extra);

        using var weights = StateDictImport.Read(path);
        Assert.Equal(layout, weights.Layout);
        Assert.Equal(prefix, weights.Prefix);
        Assert.Equal(WeightFileFormat.SafeTensors, weights.Format);
        Assert.Equal(Small, weights.Architecture.ToSpec());
        using var target = InteropTestData.Network(Small, seed: 3);
        var report = weights.ApplyTo(target, HeadPolicy.Require);
        Assert.True(report.HeadLoaded);
        Assert.Equal(source.state_dict().Count(kv => !kv.Key.StartsWith("fc.")), report.TrunkTensors);
        InteropTestData.AssertSameWeights(source, target);
        if (extra.Length > 0) Assert.Equal(["'queue'", "'queue_ptr'"], weights.Ignored);
    }

    [Fact]
    public void A_named_prefix_takes_another_encoder_and_an_absent_one_is_refused()
    {
        using var q = InteropTestData.Network(Small, seed: 4);
        using var k = InteropTestData.Network(Small, seed: 5);
        string path = PathOf("qk.safetensors");
        SafeTensors.Write(path, q.state_dict().Select(kv => ("module.encoder_q." + kv.Key, kv.Value))
            .Concat(k.state_dict().Select(kv => ("module.encoder_k." + kv.Key, kv.Value))).ToList());
        using (var weights = StateDictImport.Read(path, prefix: "module.encoder_k."))
        {
            Assert.Equal(StateDictLayout.Custom, weights.Layout);
            using var target = InteropTestData.Network(Small, seed: 6);
            weights.ApplyTo(target, HeadPolicy.Require);
            InteropTestData.AssertSameWeights(k, target);
            Assert.Contains("'module.encoder_q.*' (", weights.Ignored[0]);
        }
        var e = Assert.Throws<InvalidDataException>(() => StateDictImport.Read(path, prefix: "module.momentum_encoder."));
        Assert.Contains("no tensor under the requested prefix 'module.momentum_encoder.'", e.Message);
        Assert.Contains("'module.encoder_k.*'", e.Message);
    }

    [Fact]
    public void A_missing_trunk_key_is_named_and_nothing_is_copied()
    {
        using var source = InteropTestData.Network(Small, seed: 7);
        string path = PathOf("missing.safetensors");
        SafeTensors.Write(path, source.state_dict().Where(kv => kv.Key != "layer3.bn.running_var").Select(kv => ("module.encoder_q." + kv.Key, kv.Value)).ToList());
        using var weights = StateDictImport.Read(path);
        using var target = InteropTestData.Network(Small, seed: 8);
        using var before = target.state_dict()["layer1.conv.weight"].clone();
        var e = Assert.Throws<InvalidDataException>(() => weights.ApplyTo(target));
        Assert.Contains("lacks tensor 'module.encoder_q.layer3.bn.running_var' (shape [128])", e.Message);
        Assert.Contains("missing key", e.Message);
        Assert.True(SafeTensorsTests.Same(before, target.state_dict()["layer1.conv.weight"]), "weights were copied before the check failed");
    }

    [Fact]
    public void An_unexpected_or_misshapen_trunk_key_is_named()
    {
        using var source = InteropTestData.Network(Small, seed: 9);
        string path = PathOf("extra.safetensors");
        InteropTestData.WriteSafeTensors(path, source, "", ("layer2.bn.extra_stat", ones(64)));
        using (var weights = StateDictImport.Read(path))
        {
            using var target = InteropTestData.Network(Small, seed: 10);
            var e = Assert.Throws<InvalidDataException>(() => weights.ApplyTo(target));
            Assert.Contains("has tensor 'layer2.bn.extra_stat', which a SmallConvNet (1 input channel(s)) does not have (unexpected key)", e.Message);
        }
        SafeTensors.Write(path, source.state_dict().Select(kv => (kv.Key, kv.Key == "layer2.bn.running_mean" ? zeros(32) : kv.Value)).ToList());
        using (var weights = StateDictImport.Read(path))
        {
            using var target = InteropTestData.Network(Small, seed: 10);
            var e = Assert.Throws<InvalidDataException>(() => weights.ApplyTo(target));
            Assert.Contains("'layer2.bn.running_mean' of shape [32]; the model's SmallConvNet expects [64]", e.Message);
        }
    }

    [Fact]
    public void Weights_of_another_architecture_are_refused_in_one_sentence()
    {
        using var r18 = InteropTestData.Network(R18, seed: 11);
        string path = PathOf("r18.safetensors");
        InteropTestData.WriteSafeTensors(path, r18, "module.encoder_q.");
        using var weights = StateDictImport.Read(path);
        using var r50 = BackboneFactory.Create(new BackboneSpec(BackboneKind.ResNet50));
        var e = Assert.Throws<InvalidDataException>(() => weights.ApplyTo(r50));
        Assert.Contains("holds a ResNet18 (ImageNet 7×7 stem, 3 input channel(s)), but the model is a ResNet50 (ImageNet 7×7 stem, 3 input channel(s))", e.Message);
        using var smallStem = BackboneFactory.Create(R18 with { SmallImageStem = true });
        Assert.Contains("but the model is a ResNet18 (small-image 3×3 stem", Assert.Throws<InvalidDataException>(() => weights.ApplyTo(smallStem)).Message);
        using var gray = BackboneFactory.Create(R18 with { InChannels = 1 });
        Assert.Contains("1 input channel(s)", Assert.Throws<InvalidDataException>(() => weights.ApplyTo(gray)).Message);
    }

    [Fact]
    public void The_early_check_compares_the_configured_backbone_and_Shuffle_BN_models_load_the_same_weights()
    {
        using var source = InteropTestData.Network(R18 with { SmallImageStem = true }, seed: 20);
        string path = PathOf("r18small.safetensors");
        InteropTestData.WriteSafeTensors(path, source, "module.encoder_q.");
        using var weights = StateDictImport.Read(path);
        weights.EnsureMatches(R18 with { SmallImageStem = true, BatchNormSplits = 4 });
        var e = Assert.Throws<InvalidDataException>(() => weights.EnsureMatches(R18));
        Assert.Contains("holds a ResNet18 (small-image 3×3 stem, 3 input channel(s)), but the configured backbone is a ResNet18 (ImageNet 7×7 stem", e.Message);
        Assert.Throws<InvalidDataException>(() => weights.EnsureMatches(new BackboneSpec(BackboneKind.ResNet34, SmallImageStem: true)));

        // A MoCo query encoder trained with Shuffle-BN (SplitBatchNorm2d) has the same names: the weights load as they are.
        using var split = InteropTestData.Network(R18 with { SmallImageStem = true, BatchNormSplits = 4 }, seed: 21);
        Assert.True(weights.ApplyTo(split, HeadPolicy.Require).HeadLoaded);
        InteropTestData.AssertSameWeights(source, split);
    }

    [Fact]
    public void Head_policies_keep_load_or_refuse_the_head()
    {
        using var source = InteropTestData.Network(Small, seed: 12, projectionDim: 16);
        string path = PathOf("head.safetensors");
        InteropTestData.WriteSafeTensors(path, source, "");
        using var weights = StateDictImport.Read(path);

        using var dropped = InteropTestData.Network(Small, seed: 13, projectionDim: 16);
        using var ownHead = dropped.state_dict()["fc.0.weight"].clone();
        var drop = weights.ApplyTo(dropped, HeadPolicy.Drop);
        Assert.False(drop.HeadLoaded);
        Assert.True(SafeTensorsTests.Same(ownHead, dropped.state_dict()["fc.0.weight"]));
        InteropTestData.AssertSameWeights(source, dropped, trunkOnly: true);

        using var other = InteropTestData.Network(Small, seed: 14, projectionDim: 8);
        var maybe = weights.ApplyTo(other, HeadPolicy.LoadIfMatching);
        Assert.False(maybe.HeadLoaded);
        Assert.Contains("'fc.2.weight' has shape [16, 256], the model's head expects [8, 256]", maybe.HeadNote);
        var e = Assert.Throws<InvalidDataException>(() => weights.ApplyTo(other, HeadPolicy.Require));
        Assert.Contains("an MLP fc head (256 hidden, 16 outputs), the model has an MLP fc head (256 hidden, 8 outputs)", e.Message);

        using var bare = InteropTestData.Network(Small, seed: 15, projectionDim: null);
        Assert.Contains("has no place in the model's head", Assert.Throws<InvalidDataException>(() => weights.ApplyTo(bare, HeadPolicy.Require)).Message);
        Assert.False(weights.ApplyTo(bare, HeadPolicy.LoadIfMatching).HeadLoaded);
    }

    [Fact]
    public void Missing_batch_counters_of_old_files_are_tolerated_and_reported()
    {
        using var source = InteropTestData.Network(Small, seed: 16);
        string path = PathOf("old.safetensors");
        SafeTensors.Write(path, source.state_dict().Where(kv => !kv.Key.EndsWith("num_batches_tracked")).Select(kv => (kv.Key, kv.Value)).ToList());
        using var weights = StateDictImport.Read(path);
        using var target = InteropTestData.Network(Small, seed: 17);
        var report = weights.ApplyTo(target);
        Assert.Equal(4, report.DefaultedBuffers.Count);
        Assert.Contains("layer1.bn.num_batches_tracked", report.DefaultedBuffers);
    }

    [Fact]
    public void Our_encoder_files_and_checkpoints_import_too()
    {
        using var encoder = Inference.EncoderTestData.Encoder(seed: 18);
        string path = PathOf("encoder.mlnetmoco");
        using (var file = File.Create(path)) encoder.Save(file);
        using var weights = StateDictImport.Read(path);
        Assert.Equal(WeightFileFormat.MlNetMocoEncoder, weights.Format);
        Assert.Equal(StateDictLayout.Encoder, weights.Layout);
        Assert.True(weights.Tensors.Metadata.ContainsKey(EncoderSafeTensors.DescriptionKey));
        using var target = InteropTestData.Network(Small, seed: 19);
        weights.ApplyTo(target, HeadPolicy.Require);
        InteropTestData.AssertSameWeights(encoder.Network, target);
    }
}
