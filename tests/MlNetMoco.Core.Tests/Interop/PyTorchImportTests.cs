using MlNetMoco.Core.Methods;
using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Heads;
using MlNetMoco.Core.Interop;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Tests.Interop;

/// <summary>
/// Files PyTorch (python3-torch 1.13, torchvision 0.14) writes at test time, shaped as facebookresearch/moco, moco-v3 and
/// torchvision write them (the released ImageNet weights cannot be downloaded here, so the files have their structure
/// with seeded weights and random BatchNorm statistics). Each is imported and checked against PyTorch's own eval-mode
/// features of the same input (≤ 1e-4). Skipped when PyTorch is not installed.
/// </summary>
public class PyTorchImportTests(PythonFiles files)
{
    private const float Tolerance = 1e-4f;

    /// <summary>Builds the detected architecture with <paramref name="head"/>, loads the weights, and compares features (and head outputs) with the probe.</summary>
    internal static void AssertFeaturesMatch(ImportedWeights weights, string probe, nn.Module<Tensor, Tensor>? head, HeadPolicy policy)
    {
        using var network = BackboneFactory.Create(weights.Architecture.ToSpec(), head);
        var report = weights.ApplyTo(network, policy);
        network.eval();
        using var expected = SafeTensors.Read(probe);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var features = network.Features(expected.Find("input")!);
        float diff = InteropTestData.MaxAbsDiff(features, expected.Find("features")!);
        TestContext.Current.TestOutputHelper?.WriteLine($"{Path.GetFileName(weights.Path)}: max |features - PyTorch| = {diff:E2}");
        Assert.True(diff <= Tolerance, $"features differ from PyTorch's by {diff}");
        Assert.True(features.abs().max().item<float>() > 0.01f, "features are all near zero: the comparison would prove nothing");
        if (report.HeadLoaded)
        {
            float headDiff = InteropTestData.MaxAbsDiff(network.Head.call(features), expected.Find("projections")!);
            TestContext.Current.TestOutputHelper?.WriteLine($"{Path.GetFileName(weights.Path)}: max |head - PyTorch| = {headDiff:E2}");
            Assert.True(headDiff <= Tolerance, $"head outputs differ from PyTorch's by {headDiff}");
        }
    }

    [Fact]
    public void A_MoCo_v2_ResNet50_checkpoint_gives_PyTorchs_features()
    {
        string path = files.Weights("moco-v2-r50.pth.tar", "moco", "--arch", "resnet50");
        using var weights = StateDictImport.Read(path);
        Assert.Equal(WeightFileFormat.TorchZip, weights.Format);
        Assert.Equal(StateDictLayout.MoCo, weights.Layout);
        Assert.Equal("module.encoder_q.", weights.Prefix);
        Assert.Equal(new BackboneSpec(BackboneKind.ResNet50), weights.Architecture.ToSpec());
        Assert.Equal(new DetectedHead(HeadShape.Mlp, 2048, 128, 4), weights.Architecture.Head);
        Assert.Equal("200", weights.Tensors.Metadata["epoch"]);
        Assert.Equal("resnet50", weights.Tensors.Metadata["arch"]);
        Assert.Equal(["'module.encoder_k.*' (322 tensors)", "'module.queue'", "'module.queue_ptr'"], weights.Ignored);
        AssertFeaturesMatch(weights, path + ".probe", HeadSpec.ForVersion(MoCoVersion.V2, 2048, 128).Build(), HeadPolicy.Require);
    }

    [Fact]
    public void A_MoCo_v1_checkpoint_in_the_legacy_format_gives_PyTorchs_features()
    {
        string path = files.Weights("moco-v1-r18-legacy.pth.tar", "moco", "--arch", "resnet18", "--v1", "--legacy");
        using var weights = StateDictImport.Read(path);
        Assert.Equal(WeightFileFormat.TorchLegacy, weights.Format);
        Assert.Equal(new DetectedHead(HeadShape.Linear, 0, 128, 2), weights.Architecture.Head);
        AssertFeaturesMatch(weights, path + ".probe", HeadSpec.Linear(512, 128).Build(), HeadPolicy.Require);
    }

    [Fact]
    public void A_MoCo_v3_checkpoint_gives_PyTorchs_features_and_its_projector_is_left_out()
    {
        string path = files.Weights("moco-v3-r18.pth.tar", "moco-v3", "--arch", "resnet18");
        using var weights = StateDictImport.Read(path);
        Assert.Equal(StateDictLayout.MoCoV3, weights.Layout);
        Assert.Equal("module.base_encoder.", weights.Prefix);
        Assert.Equal(HeadShape.Other, weights.Architecture.Head.Shape);
        Assert.Equal(["'module.momentum_encoder.*' (130 tensors)", "'module.predictor.*' (7 tensors)"], weights.Ignored);
        AssertFeaturesMatch(weights, path + ".probe", HeadSpec.ForVersion(MoCoVersion.V2, 512, 128).Build(), HeadPolicy.Drop);
        using var network = BackboneFactory.Create(weights.Architecture.ToSpec(), HeadSpec.ForVersion(MoCoVersion.V2, 512, 128).Build());
        var e = Assert.Throws<InvalidDataException>(() => weights.ApplyTo(network, HeadPolicy.Require));
        Assert.Contains("neither linear nor a MoCo v2 MLP", e.Message);
    }

    [Fact]
    public void A_torchvision_state_dict_gives_PyTorchs_features_and_classifier_outputs()
    {
        string path = files.Weights("torchvision-r18.pth", "torchvision", "--arch", "resnet18");
        using var weights = StateDictImport.Read(path);
        Assert.Equal(StateDictLayout.Encoder, weights.Layout);
        Assert.Equal(new DetectedHead(HeadShape.Linear, 0, 1000, 2), weights.Architecture.Head);
        AssertFeaturesMatch(weights, path + ".probe", HeadSpec.Linear(512, 1000).Build(), HeadPolicy.Require);
    }

    [Fact]
    public void A_safetensors_file_Python_wrote_gives_PyTorchs_features()
    {
        string path = files.Weights("torchvision-r34-small.safetensors", "safetensors", "--arch", "resnet34", "--small-stem", "--size", "32");
        using var weights = StateDictImport.Read(path);
        Assert.Equal(WeightFileFormat.SafeTensors, weights.Format);
        Assert.Equal(new BackboneSpec(BackboneKind.ResNet34, SmallImageStem: true), weights.Architecture.ToSpec());
        Assert.Equal("torchvision resnet34", weights.Tensors.Metadata["source"]);
        AssertFeaturesMatch(weights, path + ".probe", null, HeadPolicy.Drop);
    }

    [Fact]
    public void A_missing_key_an_unexpected_key_and_another_architecture_are_named()
    {
        string missing = files.Weights("missing.pth", "torchvision", "--drop-key", "layer2.0.bn1.running_var");
        using (var weights = StateDictImport.Read(missing))
        {
            using var network = BackboneFactory.Create(weights.Architecture.ToSpec());
            var e = Assert.Throws<InvalidDataException>(() => weights.ApplyTo(network));
            Assert.Contains("lacks tensor 'layer2.0.bn1.running_var' (shape [128]), which a ResNet18", e.Message);
        }
        string extra = files.Weights("unexpected.pth", "torchvision", "--add-key", "layer3.1.bn2.extra");
        using (var weights = StateDictImport.Read(extra))
        {
            using var network = BackboneFactory.Create(weights.Architecture.ToSpec());
            var e = Assert.Throws<InvalidDataException>(() => weights.ApplyTo(network));
            Assert.Contains("has tensor 'layer3.1.bn2.extra', which a ResNet18", e.Message);
        }
        string r18 = files.Weights("moco-v1-r18-legacy.pth.tar", "moco", "--arch", "resnet18", "--v1", "--legacy");
        using (var weights = StateDictImport.Read(r18))
        {
            using var r50 = BackboneFactory.Create(new BackboneSpec(BackboneKind.ResNet50));
            var e = Assert.Throws<InvalidDataException>(() => weights.ApplyTo(r50));
            Assert.Contains($"The weight file '{r18}' (encoder under 'module.encoder_q.') holds a ResNet18", e.Message);
            Assert.Contains("but the model is a ResNet50", e.Message);
        }
    }

    [Fact]
    public void A_truncated_checkpoint_a_plain_pickle_and_a_pickled_list_are_refused()
    {
        string path = files.Weights("torchvision-r18.pth", "torchvision", "--arch", "resnet18");
        string truncated = Path.Combine(files.Folder, "truncated.pth");
        using (var source = File.OpenRead(path))
        using (var target = File.Create(truncated))
        {
            var half = new byte[source.Length / 2];
            source.ReadExactly(half);
            target.Write(half);
        }
        var e = Assert.Throws<InvalidDataException>(() => StateDictImport.Read(truncated));
        Assert.Contains("truncated or corrupt", e.Message);
        Assert.Contains(truncated, e.Message);

        string pickle = files.Weights("plain.pkl", "plain-pickle");
        Assert.Contains("not a file written by torch.save", Assert.Throws<InvalidDataException>(() => StateDictImport.Read(pickle)).Message);
        string list = files.Weights("list.pth", "list");
        Assert.Contains("holds a list of 2 items, not a state dict", Assert.Throws<InvalidDataException>(() => StateDictImport.Read(list)).Message);
    }
}
