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
    """Eval-mode pooled features (the input of fc, or of a ViT's head) and the head's output."""
    model.eval()
    with torch.no_grad():
        if isinstance(model, VisionTransformer):
            features = model.forward_features(x)
            return features, model.head(features)
        head = model.fc
        model.fc = nn.Identity()
        features = model(x)
        model.fc = head
        return features, head(features)


class Attention(nn.Module):
    """timm's Attention: one qkv Linear (with bias), scaled dot-product over heads, an output proj."""

    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, dim * 3)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        b, n, c = x.shape
        qkv = self.qkv(x).reshape(b, n, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        attn = (q @ k.transpose(-2, -1)) * (c // self.heads) ** -0.5
        return self.proj((attn.softmax(dim=-1) @ v).transpose(1, 2).reshape(b, n, c))


class Mlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class Block(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = Mlp(dim, 4 * dim)

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class PatchEmbed(nn.Module):
    def __init__(self, channels, dim, patch):
        super().__init__()
        self.proj = nn.Conv2d(channels, dim, kernel_size=patch, stride=patch)

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)


class VisionTransformer(nn.Module):
    """timm's VisionTransformer as moco-v3's vits.py uses it (class token, LayerNorm eps 1e-6, pre-norm blocks,
    features = the class token after the final norm), with timm's parameter names; `head` is the head."""

    def __init__(self, dim, heads, image_size, patch, channels=3, depth=12, head=None):
        super().__init__()
        self.patch_embed = PatchEmbed(channels, dim, patch)
        self.cls_token = nn.Parameter(torch.randn(1, 1, dim) * 0.02)
        self.pos_embed = nn.Parameter(torch.randn(1, 1 + (image_size // patch) ** 2, dim) * 0.02)
        self.blocks = nn.Sequential(*[Block(dim, heads) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.head = head if head is not None else nn.Identity()

    def forward_features(self, x):
        x = self.patch_embed(x)
        x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], dim=1) + self.pos_embed
        return self.norm(self.blocks(x))[:, 0]

    def forward(self, x):
        return self.head(self.forward_features(x))


VITS = {"vit_tiny": (192, 3), "vit_small": (384, 12)}  # moco-v3's vit_small has 12 heads


def vit(arch, image_size, patch, head=None):
    dim, heads = VITS[arch]
    model = VisionTransformer(dim, heads, image_size, patch, head=head)
    with torch.no_grad():  # LayerNorm affine values away from 1 and 0, so that the test sees them
        for m in model.modules():
            if isinstance(m, nn.LayerNorm):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.1, 0.1)
    return model
