"""Minimal safetensors reader/writer (the `safetensors` package is not
installed on these machines). Format: 8-byte little-endian header length,
a JSON header {name: {dtype, shape, data_offsets}}, then raw little-endian
tensor bytes."""
import json
import struct
from typing import Dict, Optional

import numpy as np
import torch

_NUMPY_OF = {
    "F32": np.float32,
    "F16": np.float16,
    "F64": np.float64,
    "I64": np.int64,
    "I32": np.int32,
    "I16": np.int16,
    "I8": np.int8,
    "U8": np.uint8,
    "BOOL": np.bool_,
}
_CODE_OF_TORCH = {
    torch.float32: "F32",
    torch.float16: "F16",
    torch.float64: "F64",
    torch.int64: "I64",
    torch.int32: "I32",
    torch.int16: "I16",
    torch.int8: "I8",
    torch.uint8: "U8",
    torch.bool: "BOOL",
}


def read_header(path: str) -> Dict[str, dict]:
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        return json.loads(f.read(n).decode("utf-8"))


def load_file(path: str) -> Dict[str, torch.Tensor]:
    """Returns every tensor in the file; BF16 is widened to float32."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n].decode("utf-8"))
    base = 8 + n
    out: Dict[str, torch.Tensor] = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        buf = raw[base + start : base + end]
        shape = info["shape"]
        if info["dtype"] == "BF16":
            u16 = np.frombuffer(buf, dtype="<u2").astype(np.uint32) << 16
            arr = u16.view(np.float32).reshape(shape)
        else:
            if info["dtype"] not in _NUMPY_OF:
                raise ValueError(f"{path}: tensor {name} has unsupported dtype {info['dtype']}")
            arr = np.frombuffer(buf, dtype=np.dtype(_NUMPY_OF[info["dtype"]]).newbyteorder("<")).reshape(shape)
        out[name] = torch.from_numpy(arr.astype(arr.dtype.newbyteorder("="), copy=True))
    return out


def save_file(tensors: Dict[str, torch.Tensor], path: str, metadata: Optional[Dict[str, str]] = None) -> None:
    """Writes tensors in sorted-name order, 8-byte aligned header, as the
    reference implementation does."""
    header: Dict[str, dict] = {}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        t = tensors[name].detach().cpu().contiguous()
        if t.dtype == torch.bfloat16:  # numpy has no bfloat16: write its 16 bits as they are
            code, arr = "BF16", t.view(torch.int16).numpy()
        elif t.dtype in _CODE_OF_TORCH:
            code, arr = _CODE_OF_TORCH[t.dtype], t.numpy()
        else:
            raise ValueError(f"tensor {name}: dtype {t.dtype} cannot be written")
        b = arr.astype(arr.dtype.newbyteorder("<"), copy=False).tobytes()
        header[name] = {"dtype": code, "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    if metadata:
        header["__metadata__"] = dict(metadata)
    hjson = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hjson += b" " * ((8 - len(hjson) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hjson)))
        f.write(hjson)
        for b in blobs:
            f.write(b)
