using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Data;
using MlNetMoco.Core.Heads;
using MlNetMoco.Core.Interop;
using MlNetMoco.Core.Methods;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Tests.Interop;

/// <summary>
/// Vision Transformers PyTorch writes with timm's names (a timm-compatible ViT in <c>python/models.py</c>, as timm is not
/// installed here): a moco-v3 ViT-Small checkpoint and a ViT-Tiny state dict with a linear <c>head</c>, both for 32×32
/// images in 4×4 patches. Each is imported and checked against PyTorch's own eval-mode features (≤ 1e-4), which checks
/// the names, the qkv layout, LayerNorm's ε and GELU together. Skipped when PyTorch is not installed.
/// </summary>
public class PyTorchVitImportTests(PythonFiles files)
{
    [Fact]
    public void A_MoCo_v3_ViT_Small_checkpoint_gives_PyTorchs_features_and_its_projector_is_left_out()
    {
        string path = files.Weights("moco-v3-vit-small.pth.tar", "moco-v3-vit", "--arch", "vit_small", "--size", "32", "--patch", "4");
        using var weights = StateDictImport.Read(path);
        Assert.Equal(StateDictLayout.MoCoV3, weights.Layout);
        Assert.Equal(new BackboneSpec(BackboneKind.VitSmall, 3, PatchSize: 4, ImageSize: 32), weights.Architecture.ToSpec());
        Assert.Equal(384, weights.Architecture.FeatureDim);
        Assert.Equal(HeadShape.Other, weights.Architecture.Head.Shape);
        Assert.Contains("'module.predictor.*' (7 tensors)", weights.Ignored);
        PyTorchImportTests.AssertFeaturesMatch(weights, path + ".probe", HeadSpec.ForVersion(MoCoVersion.V2, 384, 128).Build(), HeadPolicy.Drop);
    }

    [Fact]
    public void A_timm_named_ViT_Tiny_gives_PyTorchs_features_and_its_linear_head_loads_as_fc()
    {
        string path = files.Weights("vit-tiny.pth", "vit", "--arch", "vit_tiny", "--size", "32", "--patch", "4", "--dim", "10");
        using var weights = StateDictImport.Read(path);
        Assert.Equal(StateDictLayout.Encoder, weights.Layout);
        Assert.Equal(new BackboneSpec(BackboneKind.VitTiny, 3, PatchSize: 4, ImageSize: 32), weights.Architecture.ToSpec());
        Assert.Equal(new DetectedHead(HeadShape.Linear, 0, 10, 2), weights.Architecture.Head);
        PyTorchImportTests.AssertFeaturesMatch(weights, path + ".probe", HeadSpec.Linear(192, 10).Build(), HeadPolicy.Require);
    }

    [Fact]
    public void A_pretrained_ViT_encoder_featurizes_its_own_image_size_and_names_a_wrong_one()
    {
        string path = files.Weights("vit-tiny.pth", "vit", "--arch", "vit_tiny", "--size", "32", "--patch", "4", "--dim", "10");
        using (var encoder = PretrainedEncoder.Create(path, new ImageShape(3, 32, 32), device: "cpu"))
        {
            Assert.Equal(BackboneKind.VitTiny, encoder.Description.Backbone.Kind);
            Assert.Equal(192, encoder.FeatureDim);
        }
        var e = Assert.Throws<ArgumentException>(() => PretrainedEncoder.Create(path, new ImageShape(3, 64, 64), device: "cpu"));
        Assert.Contains("takes 32×32 images", e.Message);
        Assert.Contains("VitTiny (32×32 images in 4×4 patches, 3 input channel(s))", e.Message);
    }

    [Fact]
    public void A_ViT_for_other_images_is_refused_before_any_weight_is_copied()
    {
        string path = files.Weights("vit-tiny.pth", "vit", "--arch", "vit_tiny", "--size", "32", "--patch", "4", "--dim", "10");
        using var weights = StateDictImport.Read(path);
        using var network = BackboneFactory.Create(new BackboneSpec(BackboneKind.VitTiny, 3, PatchSize: 8, ImageSize: 32));
        var before = network.state_dict()["blocks.0.attn.qkv.weight"].clone();
        var e = Assert.Throws<InvalidDataException>(() => weights.ApplyTo(network));
        Assert.Contains("holds a VitTiny (32×32 images in 4×4 patches", e.Message);
        Assert.Contains("but the model is a VitTiny (32×32 images in 8×8 patches", e.Message);
        Assert.True(SafeTensorsTests.Same(before, network.state_dict()["blocks.0.attn.qkv.weight"]), "weights were copied before the check");
        Assert.Throws<InvalidDataException>(() => weights.EnsureMatches(new BackboneSpec(BackboneKind.VitSmall, 3)));
        weights.EnsureMatches(new BackboneSpec(BackboneKind.VitTiny, 3)); // sizes left to the images: matches
    }
}
