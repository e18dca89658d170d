"""torchvision encoders shaped as facebookresearch/moco and moco-v3 build them, for the interop tests."""
import torch
import torch.nn as nn
import torchvision


def resnet(arch, num_classes=1000, small_stem=False):
    model = getattr(torchvision.models, arch)(num_classes=num_classes)
    if small_stem:  # the 3x3 stride-1 stem without max-pool of the MoCo CIFAR demo
        model.conv1 = nn.Conv2d(3, 64, kernel_size=3, stride=1, padding=1, bias=False)
        model.maxpool = nn.Identity()
    return model


def moco_encoder(arch, dim=128, mlp=True):
    """MoCo v1/v2 encoder: torchvision ResNet with num_classes=dim; v2 puts Linear-ReLU in front of fc."""
    model = resnet(arch, num_classes=dim)
    if mlp:
        width = model.fc.weight.shape[1]
        model.fc = nn.Sequential(nn.Linear(width, width), nn.ReLU(), model.fc)
    return model


def mlp_v3(layers, in_dim, hidden, out_dim, last_bn=True):
    """moco-v3's projector/predictor: Linear(no bias)-BN-ReLU ... Linear(no bias)-BN(affine=False)."""
    modules = []
    for i in range(layers):
        d1 = in_dim if i == 0 else hidden
        d2 = out_dim if i == layers - 1 else hidden
        modules.append(nn.Linear(d1, d2, bias=False))
        if i < layers - 1:
            modules += [nn.BatchNorm1d(d2), nn.ReLU(inplace=True)]
        elif last_bn:
            modules.append(nn.BatchNorm1d(d2, affine=False))
    return nn.Sequential(*modules)


def moco_v3_encoder(arch, dim=256, mlp_dim=4096):
    model = resnet(arch)
    width = model.fc.weight.shape[1]
    model.fc = mlp_v3(2, width, mlp_dim, dim)
    return model


def perturb_batchnorm(model, generator):
    """Random BatchNorm statistics and affine parameters, so that eval mode differs from identity."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                m.running_mean.copy_(torch.rand(m.running_mean.shape, generator=generator).sub(0.5).mul(0.4))
                m.running_var.copy_(torch.rand(m.running_var.shape, generator=generator).mul(0.5).add(0.75))
                if m.affine:
                    m.weight.copy_(torch.rand(m.weight.shape, generator=generator).mul(0.5).add(0.5))
                    m.bias.copy_(torch.rand(m.bias.shape, generator=generator).sub(0.5).mul(0.2))
                m.num_batches_tracked.fill_(7)


def pooled_features(model, x):
    """Eval-mode pooled features (the input of fc) and the head's output."""
    model.eval()
    with torch.no_grad():
        head = model.fc
        model.fc = nn.Identity()
        features = model(x)
        model.fc = head
        return features, head(features)
