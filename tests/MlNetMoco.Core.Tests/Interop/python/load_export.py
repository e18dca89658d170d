"""Loads an encoder MlNetMoco exported as safetensors into the matching torchvision ResNet, strictly,
and writes its eval-mode features (and the MoCo head's projections) for the probe's input.
Usage: load_export.py ENCODER.safetensors PROBE_IN.safetensors FEATURES_OUT.safetensors"""
import json
import sys

import torch
import torch.nn as nn

import models
import safetensors_io

ARCHS = {"ResNet18": "resnet18", "ResNet34": "resnet34", "ResNet50": "resnet50"}


def build_head(layers):
    """The head as the encoder file declares it (format 2: blocks tagged Linear / BatchNorm1d / ReLU); one block is
    the module itself (fc.weight), several an nn.Sequential (fc.0.weight, ...), as MlNetMoco names them."""
    def block(layer):
        kind = layer["Type"]
        if kind == "Linear":
            return nn.Linear(layer["InFeatures"], layer["OutFeatures"], bias=layer.get("Bias", True))
        if kind == "BatchNorm1d":
            return nn.BatchNorm1d(layer["Features"], affine=layer.get("Affine", True))
        if kind == "ReLU":
            return nn.ReLU()
        raise ValueError(f"unknown head block {kind}")
    modules = [block(layer) for layer in layers]
    return modules[0] if len(modules) == 1 else nn.Sequential(*modules)


def main():
    encoder_path, probe_path, out_path = sys.argv[1:4]
    state, metadata = safetensors_io.load_file(encoder_path)
    description = json.loads(metadata["mlnetmoco.encoder"])
    backbone = description["Backbone"]
    model = models.resnet(ARCHS[backbone["Kind"]], small_stem=backbone["SmallImageStem"])
    if backbone["InChannels"] != 3:
        model.conv1 = nn.Conv2d(backbone["InChannels"], 64, model.conv1.kernel_size, model.conv1.stride, model.conv1.padding, bias=False)
    model.fc = build_head(description["Head"]["Layers"])
    result = model.load_state_dict(state, strict=True)  # raises on any missing or unexpected key
    print("strict load:", result)
    probe, _ = safetensors_io.load_file(probe_path)
    features, projections = models.pooled_features(model, probe["input"])
    safetensors_io.save_file({"features": features, "projections": projections}, out_path)


if __name__ == "__main__":
    main()
