"""The scale-out path at small size: MoCo v2 pretraining as facebookresearch/moco's main_moco.py runs it
(the model wrapped in DistributedDataParallel, SGD, checkpoint_{epoch:04d}.pth.tar holding epoch, arch,
state_dict and optimizer), on one CPU process with the gloo backend and a few random images. Writes the
checkpoint and a probe: four [0, 1] images and the query encoder's eval-mode features of them after
ImageNet normalisation.
Usage: main_moco_tiny.py OUTPUT_FOLDER"""
import os
import sys

import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F

import models
import safetensors_io


class MoCo(nn.Module):
    """Query/key encoders, momentum update and queue, named as facebookresearch/moco names them."""

    def __init__(self, arch, dim=128, K=64, m=0.999, T=0.2):
        super().__init__()
        self.K, self.m, self.T = K, m, T
        self.encoder_q = models.moco_encoder(arch, dim)
        self.encoder_k = models.moco_encoder(arch, dim)
        for q, k in zip(self.encoder_q.parameters(), self.encoder_k.parameters()):
            k.data.copy_(q.data)
            k.requires_grad = False
        self.register_buffer("queue", F.normalize(torch.randn(dim, K), dim=0))
        self.register_buffer("queue_ptr", torch.zeros(1, dtype=torch.long))

    def forward(self, im_q, im_k):
        q = F.normalize(self.encoder_q(im_q), dim=1)
        with torch.no_grad():
            for pq, pk in zip(self.encoder_q.parameters(), self.encoder_k.parameters()):
                pk.data.mul_(self.m).add_(pq.data, alpha=1 - self.m)
            k = F.normalize(self.encoder_k(im_k), dim=1)
        logits = torch.cat([(q * k).sum(1, keepdim=True), q @ self.queue.clone().detach()], dim=1) / self.T
        ptr = int(self.queue_ptr)
        self.queue[:, ptr:ptr + k.shape[0]] = k.T
        self.queue_ptr[0] = (ptr + k.shape[0]) % self.K
        return logits, torch.zeros(logits.shape[0], dtype=torch.long)


def main():
    out = sys.argv[1]
    torch.manual_seed(0)
    store = os.path.join(out, "dist-store")
    dist.init_process_group("gloo", init_method="file://" + store, rank=0, world_size=1)
    model = nn.parallel.DistributedDataParallel(MoCo("resnet18"))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.03, momentum=0.9, weight_decay=1e-4)
    images = torch.rand(32, 3, 32, 32)
    for epoch in range(2):
        for step in range(0, 32, 16):
            batch = images[step:step + 16]
            im_q = batch + 0.05 * torch.randn_like(batch)
            im_k = batch.flip(3) + 0.05 * torch.randn_like(batch)
            logits, labels = model(im_q, im_k)
            loss = F.cross_entropy(logits, labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        print(f"epoch {epoch} loss {loss.item():.4f}")
    torch.save({"epoch": epoch + 1, "arch": "resnet18", "state_dict": model.state_dict(), "optimizer": optimizer.state_dict()},
               os.path.join(out, f"checkpoint_{epoch:04d}.pth.tar"))
    # Features as a user would compute them: ImageNet normalisation of [0, 1] pixels, eval mode.
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    features, projections = models.pooled_features(model.module.encoder_q, (images[:4] - mean) / std)
    safetensors_io.save_file({"input": images[:4], "features": features, "projections": projections}, os.path.join(out, "probe.safetensors"))
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
