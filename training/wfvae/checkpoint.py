"""Reads and writes the reference's checkpoint folder layout:
<dir>/config.json + <dir>/diffusion_pytorch_model.safetensors."""
import os
from typing import Dict, Tuple

import torch

from .model import WFVAE, WFVAEConfig
from .safetensors_io import load_file, save_file

WEIGHTS_NAME = "diffusion_pytorch_model.safetensors"
CONFIG_NAME = "config.json"


def layout(model: WFVAE) -> Dict[str, Tuple[int, ...]]:
    """Every key the checkpoint carries (parameters, frozen Haar taps and Haar
    buffers) with its shape."""
    return {k: tuple(v.shape) for k, v in model.state_dict().items()}


def is_haar_tap(key: str) -> bool:
    """The frozen Haar filter taps and buffers (0.3536 / 0.5 values, 192 in all)."""
    return ".wavelet_transform_" in key or ".inverse_wavelet_transform_" in key


def storage_dtypes(state_dict: Dict[str, torch.Tensor], dtype: torch.dtype) -> Dict[str, torch.dtype]:
    """The dtype each tensor is stored in: `dtype`, except the Haar taps, which
    stay F32 (0.35355339 is not exactly representable in 16 bits; they cost
    768 bytes). safetensors allows mixed dtypes and the app widens each
    tensor on its own."""
    return {k: (torch.float32 if is_haar_tap(k) else dtype) for k in state_dict}


def save_pretrained(model: WFVAE, folder: str, dtype: torch.dtype = torch.float32) -> None:
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, CONFIG_NAME), "w") as f:
        f.write(model.config.to_json())
    sd = model.state_dict()
    kinds = storage_dtypes(sd, dtype)
    tensors = {k: v.detach().to(kinds[k]) for k, v in sd.items()}
    save_file(tensors, os.path.join(folder, WEIGHTS_NAME), metadata={"format": "pt"})


def load_pretrained(folder: str) -> WFVAE:
    cfg = WFVAEConfig.load(os.path.join(folder, CONFIG_NAME))
    model = WFVAE(cfg)
    sd = load_file(os.path.join(folder, WEIGHTS_NAME))
    expected = layout(model)
    missing = sorted(set(expected) - set(sd))
    unexpected = sorted(set(sd) - set(expected))
    if missing or unexpected:
        raise ValueError(f"{folder}: checkpoint keys differ from the WFVAEModel layout: missing {missing[:5]} unexpected {unexpected[:5]}")
    for k, shape in expected.items():
        if tuple(sd[k].shape) != shape:
            raise ValueError(f"{folder}: {k} has shape {tuple(sd[k].shape)}, the config implies {shape}")
    model.load_state_dict({k: v.float() for k, v in sd.items()})
    return model.eval()
