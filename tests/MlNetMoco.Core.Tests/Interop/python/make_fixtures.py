"""Writes the small PyTorch files committed under Interop/Fixtures (run with python3-torch 1.13):
the same checkpoint-shaped dict in torch.save's zip and legacy formats, the expected tensor values
as JSON, and a plain pickle. Usage: make_fixtures.py OUTPUT_FOLDER"""
import argparse
import collections
import json
import os
import pickle
import sys

import numpy
import torch


def checkpoint():
    big = torch.arange(20, dtype=torch.float32).reshape(4, 5) / 4
    state = collections.OrderedDict()
    state["module.encoder_q.weight"] = torch.linspace(-1, 1, 6).reshape(2, 3)
    state["module.encoder_q.transposed"] = torch.arange(6, dtype=torch.float32).reshape(2, 3).t()  # non-contiguous
    state["module.encoder_q.big"] = big
    state["module.encoder_q.row"] = big[2]  # shares big's storage, at offset 10
    state["module.encoder_q.double"] = torch.tensor([0.1, -2.5], dtype=torch.float64)
    state["module.encoder_q.half"] = torch.tensor([1.5, -0.25], dtype=torch.float16)
    state["module.encoder_q.bn.num_batches_tracked"] = torch.tensor(7)
    state["module.encoder_q.mask"] = torch.tensor([True, False, True])
    state["module.queue"] = torch.ones(2, 4) / 2
    state["module.queue_ptr"] = torch.zeros(1, dtype=torch.long)
    optimizer = {"state": {0: {"momentum_buffer": torch.full((2, 3), 0.5)}}, "param_groups": [{"lr": 0.03, "momentum": 0.9, "params": [0]}]}
    args = argparse.Namespace(lr=0.03, arch="tiny")
    return {"epoch": 3, "arch": "tiny", "best_acc1": numpy.float64(0.5), "args": args,
            "state_dict": state, "optimizer": optimizer}, state


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    obj, state = checkpoint()
    torch.save(obj, os.path.join(out, "tiny-checkpoint.pth.tar"))
    torch.save(obj, os.path.join(out, "tiny-checkpoint-legacy.pth.tar"), _use_new_zipfile_serialization=False)
    expected = {name: {"dtype": str(t.dtype).replace("torch.", ""), "shape": list(t.shape),
                       "values": [float(v) for v in t.reshape(-1).tolist()]} for name, t in state.items()}
    with open(os.path.join(out, "tiny-checkpoint.json"), "w") as f:
        json.dump({"epoch": 3, "arch": "tiny", "tensors": expected}, f, indent=1)
    with open(os.path.join(out, "plain.pkl"), "wb") as f:
        pickle.dump({"learning_rate": 0.03, "layers": [1, 2, 3]}, f, protocol=4)


if __name__ == "__main__":
    main()
