"""Minimal safetensors reader/writer for the interop tests, written from the format description
(8-byte little-endian header length, JSON header with dtype/shape/data_offsets and __metadata__,
raw little-endian data). The reference `safetensors` package is not a Debian package, so the tests
use this instead; it checks what the reference loader checks (offsets tile the data exactly)."""
import json
import struct

import torch

DTYPES = {
    "F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16,
    "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8,
    "U8": torch.uint8, "BOOL": torch.bool,
}
CODES = {v: k for k, v in DTYPES.items()}


def load_file(path):
    """Returns (dict name -> tensor, metadata dict)."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))
    body = data[8 + n:]
    metadata = header.pop("__metadata__", {}) or {}
    tensors, position = {}, 0
    for name, entry in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0]):
        begin, end = entry["data_offsets"]
        if begin != position:
            raise ValueError(f"tensor {name}: offsets do not tile the data ({begin} != {position})")
        dtype = DTYPES[entry["dtype"]]
        shape = entry["shape"]
        count = 1
        for d in shape:
            count *= d
        if end - begin != count * torch.tensor([], dtype=dtype).element_size():
            raise ValueError(f"tensor {name}: byte span does not match its shape")
        chunk = bytearray(body[begin:end])
        flat = torch.frombuffer(chunk, dtype=dtype) if count else torch.empty(0, dtype=dtype)
        tensors[name] = flat.reshape(shape).clone()
        position = end
    if position != len(body):
        raise ValueError("data is longer than the header describes")
    return tensors, metadata


def save_file(tensors, path, metadata=None):
    header, chunks, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    for name, t in tensors.items():
        t = t.detach().contiguous().cpu()
        raw = t.numpy().tobytes() if t.dtype != torch.bfloat16 else t.view(torch.int16).numpy().tobytes()
        header[name] = {"dtype": CODES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in chunks:
            f.write(raw)
