"""PSNR / SSIM of a WF-VAE model folder and of the Haar low-pass baseline.

Protocol: each video is decoded with ffmpeg, short side scaled to --size
(bicubic), centre-cropped to multiples of 8, first --frames frames; the model
encodes it whole (no chunking), decodes from the posterior mean.
PSNR: on [-1, 1], reconstruction clamped, range 2 -> 10*log10(4/MSE).
SSIM: on [0, 255] (uint8 levels), Gaussian 11x11 window, sigma 1.5, per
frame and channel, mean over channels and frames (see metrics.py).
Baseline: the 3-level Haar analysis of the model's energy-flow path
((3D, 2D, 3D): 4x temporal, 8x spatial); keep the coarsest low-low-low band,
zero all others, invert.

Usage: /usr/bin/python3 training/evaluate.py [--model resources/models/wfvae-demo]
           [--video PATH ...] [--size 256] [--frames 33] [--json out.json]
Default videos: the held-out validation clip (balle-jbart.mp4) and
opencv-doc's vtest.avi, found under training/data/pkgs."""
import argparse
import json
import os
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import metrics  # noqa: E402
import videoio  # noqa: E402
from train import find_video, reconstruct, to_tensor  # noqa: E402
from wfvae import load_pretrained  # noqa: E402
from wfvae.baseline import HaarLowpass  # noqa: E402

DEFAULT_MODEL = os.path.normpath(os.path.join(HERE, "..", "resources", "models", "wfvae-demo"))
DEFAULT_VIDEOS = ["balle-jbart.mp4", "vtest.avi"]


def evaluate(model_dir: str, videos, size: int, frames: int):
    model = load_pretrained(model_dir)
    base = HaarLowpass()
    rows = []
    for path in videos:
        x = to_tensor(videoio.load_eval_clip(path, size, frames))
        t0 = time.time()
        rec = reconstruct(model, x)
        dt = time.time() - t0
        low = base(x)
        rows.append({
            "video": os.path.basename(path),
            "shape": list(x.shape),
            "model": {"psnr": metrics.psnr(rec, x), "ssim": metrics.ssim(rec, x), "seconds": dt},
            "haar_lowpass": {"psnr": metrics.psnr(low, x), "ssim": metrics.ssim(low, x)},
        })
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=DEFAULT_MODEL)
    ap.add_argument("--video", nargs="*", help="video files (default: validation clip and vtest.avi)")
    ap.add_argument("--data", default=os.path.join(HERE, "data"))
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--frames", type=int, default=33)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json", help="also write the results to this file")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    videos = args.video or [find_video(args.data, n) for n in DEFAULT_VIDEOS]
    rows = evaluate(args.model, videos, args.size, args.frames)
    print(f"model {args.model}, short side {args.size}, {args.frames} frames")
    print(f"{'video':22s} {'HxW':>9s} {'model PSNR':>11s} {'SSIM':>7s} {'Haar-LP PSNR':>13s} {'SSIM':>7s}")
    for r in rows:
        hw = f"{r['shape'][3]}x{r['shape'][4]}"
        print(f"{r['video']:22s} {hw:>9s} {r['model']['psnr']:11.3f} {r['model']['ssim']:7.4f} "
              f"{r['haar_lowpass']['psnr']:13.3f} {r['haar_lowpass']['ssim']:7.4f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"model": args.model, "size": args.size, "frames": args.frames, "results": rows}, f, indent=2)


if __name__ == "__main__":
    main()
