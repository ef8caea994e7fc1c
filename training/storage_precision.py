"""What storing the weights in 16 bits costs: PSNR of one model with its
weights rounded to F16 and to BF16 against the same model in F32, on the
evaluation clips (same protocol as evaluate.py).

The frozen Haar filter taps (0.3536) are not exactly representable in 16
bits; --haar-f32 keeps them (and the Haar buffers, 192 values) in F32, as
the export does (see checkpoint.HAAR_KEY).

Usage: /usr/bin/python3 training/storage_precision.py [--model DIR | --ckpt FILE]
           [--video PATH ...] [--json out.json]"""
import argparse
import copy
import json
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import metrics  # noqa: E402
import videoio  # noqa: E402
from export import model_from_checkpoint  # noqa: E402
from train import find_video, reconstruct, to_tensor  # noqa: E402
from wfvae import load_pretrained  # noqa: E402
from wfvae.checkpoint import storage_dtypes  # noqa: E402

DTYPES = {"F16": torch.float16, "BF16": torch.bfloat16}


def rounded(model, dtype: torch.dtype):
    """A copy of the model whose stored tensors went through `dtype` as the
    export writes them (Haar taps kept in F32)."""
    m = copy.deepcopy(model)
    sd = m.state_dict()
    kinds = storage_dtypes(sd, dtype)
    m.load_state_dict({k: v.to(kinds[k]).float() for k, v in sd.items()})
    return m.eval()


def measure(model, videos, size: int, frames: int):
    rows = []
    for path in videos:
        x = to_tensor(videoio.load_eval_clip(path, size, frames))
        row = {"video": os.path.basename(path), "F32": metrics.psnr(reconstruct(model, x), x)}
        for name, dt in DTYPES.items():
            row[name] = metrics.psnr(reconstruct(rounded(model, dt), x), x)
        rows.append(row)
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", help="model folder (reference layout)")
    ap.add_argument("--ckpt", help="or a training checkpoint")
    ap.add_argument("--video", nargs="*")
    ap.add_argument("--data", default=os.path.join(HERE, "data"))
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--frames", type=int, default=33)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    model = model_from_checkpoint(args.ckpt) if args.ckpt else load_pretrained(args.model)
    videos = args.video or [find_video(args.data, "balle-jbart.mp4")]
    rows = measure(model, videos, args.size, args.frames)
    for r in rows:
        print(f"{r['video']:22s} F32 {r['F32']:.4f} dB  F16 {r['F16']:.4f} ({r['F16'] - r['F32']:+.4f})  "
              f"BF16 {r['BF16']:.4f} ({r['BF16'] - r['F32']:+.4f})")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"size": args.size, "frames": args.frames, "results": rows}, f, indent=2)


if __name__ == "__main__":
    main()
