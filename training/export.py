"""Exports a training checkpoint to the reference's model folder layout:
<out>/config.json (WFVAEModel key set) + <out>/diffusion_pytorch_model.safetensors
(every state_dict tensor, Haar filters included as the reference stores them).

Usage: /usr/bin/python3 training/export.py [--ckpt training/runs/main/best.pt]
                                         [--out resources/models/wfvae-demo] [--dtype f32|f16|bf16]"""
import argparse
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from wfvae import WFVAE, WFVAEConfig, save_pretrained  # noqa: E402

DEFAULT_OUT = os.path.join(HERE, "..", "resources", "models", "wfvae-demo")
MAX_BYTES = 40 * 1024 * 1024
DTYPES = {"f32": torch.float32, "f16": torch.float16, "bf16": torch.bfloat16}


def model_from_checkpoint(ckpt_path: str) -> WFVAE:
    ck = torch.load(ckpt_path, map_location="cpu")
    model = WFVAE(WFVAEConfig.from_dict(ck["config"]))
    model.load_state_dict(ck["model"])
    return model.eval()


def export_checkpoint(ckpt_path: str, out_dir: str, dtype: torch.dtype = torch.float32) -> str:
    model = model_from_checkpoint(ckpt_path)
    save_pretrained(model, out_dir, dtype=dtype)
    weights = os.path.join(out_dir, "diffusion_pytorch_model.safetensors")
    size = os.path.getsize(weights)
    if size > MAX_BYTES:
        raise SystemExit(f"{weights} is {size / 2**20:.1f} MiB, over the 40 MiB budget: export with --dtype f16 or bf16")
    return weights


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", default=os.path.join(HERE, "runs", "main", "best.pt"))
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--dtype", choices=sorted(DTYPES), default="f32")
    args = ap.parse_args()
    if not os.path.exists(args.ckpt):
        sys.exit(f"checkpoint {args.ckpt} not found: train first (training/train.py) or pass --ckpt")
    ck = torch.load(args.ckpt, map_location="cpu")
    weights = export_checkpoint(args.ckpt, args.out, DTYPES[args.dtype])
    print(f"exported step {ck['step']} (val PSNR {ck.get('val_psnr', float('nan')):.3f} dB) -> {weights} "
          f"({os.path.getsize(weights) / 2**20:.1f} MiB)")


if __name__ == "__main__":
    main()
