"""Writes weight files the way PyTorch projects do, plus a probe (inputs and eval-mode features) for the
interop tests. Usage: write_weights.py KIND --arch ARCH --out FILE [--probe PROBE] [options]
KIND: moco (facebookresearch/moco v1/v2 checkpoint), moco-v3, torchvision (state dict .pth),
safetensors (torchvision state dict as safetensors), moco-v3-vit (a moco-v3 ViT checkpoint), vit (a timm-named ViT
state dict with a linear head of --dim outputs), plain-pickle, list (torch.save of a list)."""
import argparse
import pickle

import torch
import torch.nn as nn

import models
import safetensors_io


def probe(model, out, size, seed):
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(3, 3, size, size, generator=generator)
    features, projections = models.pooled_features(model, x)
    tensors = {"input": x, "features": features}
    head = model.head if isinstance(model, models.VisionTransformer) else model.fc
    if projections is not None and not isinstance(head, nn.Identity):
        tensors["projections"] = projections
    safetensors_io.save_file(tensors, out)


def moco_checkpoint(args, generator):
    q = models.moco_encoder(args.arch, dim=args.dim, mlp=not args.v1)
    k = models.moco_encoder(args.arch, dim=args.dim, mlp=not args.v1)
    models.perturb_batchnorm(q, generator)
    k.load_state_dict(q.state_dict())
    state = {}
    for name, value in q.state_dict().items():
        state["module.encoder_q." + name] = value
    for name, value in k.state_dict().items():
        state["module.encoder_k." + name] = value
    state["module.queue"] = nn.functional.normalize(torch.randn(args.dim, args.queue, generator=generator), dim=0)
    state["module.queue_ptr"] = torch.zeros(1, dtype=torch.long)
    optimizer = torch.optim.SGD(q.parameters(), lr=0.03, momentum=0.9, weight_decay=1e-4)
    for p in q.parameters():
        p.grad = torch.zeros_like(p)
    optimizer.step()  # creates the momentum buffers a real checkpoint holds
    return {"epoch": 200, "arch": args.arch, "state_dict": state, "optimizer": optimizer.state_dict()}, q


def moco_v3_checkpoint(args, generator):
    base = models.moco_v3_encoder(args.arch, dim=args.dim, mlp_dim=args.mlp_dim)
    momentum = models.moco_v3_encoder(args.arch, dim=args.dim, mlp_dim=args.mlp_dim)
    predictor = models.mlp_v3(2, args.dim, args.mlp_dim, args.dim, last_bn=False)
    models.perturb_batchnorm(base, generator)
    momentum.load_state_dict(base.state_dict())
    state = {}
    for prefix, module in (("module.base_encoder.", base), ("module.momentum_encoder.", momentum), ("module.predictor.", predictor)):
        for name, value in module.state_dict().items():
            state[prefix + name] = value
    scaler = {"scale": 65536.0, "growth_factor": 2.0, "backoff_factor": 0.5, "growth_interval": 2000, "_growth_tracker": 0}
    return {"epoch": 100, "arch": args.arch, "state_dict": state, "optimizer": {"state": {}, "param_groups": []}, "scaler": scaler}, base


def moco_v3_vit_checkpoint(args, generator):
    """moco-v3's MoCo_ViT: base and momentum ViTs whose head is the 3-layer BatchNorm projector, and a predictor."""
    dim = models.VITS[args.arch][0]
    base = models.vit(args.arch, args.size, args.patch, head=models.mlp_v3(3, dim, args.mlp_dim, args.dim))
    momentum = models.vit(args.arch, args.size, args.patch, head=models.mlp_v3(3, dim, args.mlp_dim, args.dim))
    predictor = models.mlp_v3(2, args.dim, args.mlp_dim, args.dim, last_bn=False)
    momentum.load_state_dict(base.state_dict())
    state = {}
    for prefix, module in (("module.base_encoder.", base), ("module.momentum_encoder.", momentum), ("module.predictor.", predictor)):
        for name, value in module.state_dict().items():
            state[prefix + name] = value
    return {"epoch": 300, "arch": args.arch, "state_dict": state, "optimizer": {"state": {}, "param_groups": []}}, base


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("kind")
    parser.add_argument("--arch", default="resnet18")
    parser.add_argument("--out", required=True)
    parser.add_argument("--probe")
    parser.add_argument("--size", type=int, default=64, help="probe image side (and a ViT's image side)")
    parser.add_argument("--patch", type=int, default=4, help="a ViT's patch side")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dim", type=int, default=128)
    parser.add_argument("--queue", type=int, default=256)
    parser.add_argument("--mlp-dim", type=int, default=512)
    parser.add_argument("--v1", action="store_true", help="MoCo v1: linear head")
    parser.add_argument("--small-stem", action="store_true")
    parser.add_argument("--legacy", action="store_true", help="torch.save's pre-1.6 format")
    parser.add_argument("--drop-key", help="remove this state dict key")
    parser.add_argument("--add-key", help="add this state dict key (a 3x3 tensor)")
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    generator = torch.Generator().manual_seed(args.seed + 1)

    if args.kind == "plain-pickle":
        with open(args.out, "wb") as f:
            pickle.dump({"learning_rate": 0.03, "layers": [1, 2, 3]}, f)
        return
    if args.kind == "list":
        torch.save([torch.zeros(2), "not a state dict"], args.out)
        return

    if args.kind == "moco":
        obj, model = moco_checkpoint(args, generator)
        state = obj["state_dict"]
    elif args.kind == "moco-v3":
        obj, model = moco_v3_checkpoint(args, generator)
        state = obj["state_dict"]
    elif args.kind == "moco-v3-vit":
        obj, model = moco_v3_vit_checkpoint(args, generator)
        state = obj["state_dict"]
    elif args.kind == "vit":
        dim = models.VITS[args.arch][0]
        model = models.vit(args.arch, args.size, args.patch, head=nn.Linear(dim, args.dim))
        obj = state = model.state_dict()
    elif args.kind in ("torchvision", "safetensors"):
        model = models.resnet(args.arch, small_stem=args.small_stem)
        models.perturb_batchnorm(model, generator)
        obj = state = model.state_dict()
    else:
        raise SystemExit(f"unknown kind {args.kind}")

    if args.drop_key:
        del state[args.drop_key]
    if args.add_key:
        state[args.add_key] = torch.ones(3, 3)
    if args.kind == "safetensors":
        safetensors_io.save_file(state, args.out, {"format": "pt", "source": "torchvision " + args.arch})
    else:
        torch.save(obj, args.out, _use_new_zipfile_serialization=not args.legacy)
    if args.probe:
        probe(model, args.probe, args.size, args.seed + 2)


if __name__ == "__main__":
    main()
