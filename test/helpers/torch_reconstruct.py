"""An outside reference for a reconstruction the app reports: decodes the clip
with the ffmpeg command line (rgb24; tests give it losslessly stored RGB
frames, so both decoders see the same pixels), reconstructs it with the
training code's PyTorch module (written independently of the ONNX graphs; its
parity with the reference goldens is training/tests/test_golden.py) from
z = mean, and measures PSNR and SSIM with training/metrics.py. With --mp4 it
also decodes a written mp4 with the ffmpeg command line and compares it, in 8
bits, with this reconstruction and with the source, and encodes this
reconstruction itself with the app's H.264 settings (libx264 crf 18, yuv420p,
BT.709 limited range) to measure what the codec costs on these frames. With
--vs-bf16 it also reconstructs the clip with every tensor of the checkpoint
rounded to bfloat16 by torch itself (module.bfloat16(), then computed in
float32, as the app's "A with BF16 weights" runs), and compares the two
reconstructions as the app's model-vs-model view does.

usage: /usr/bin/python3 test/helpers/torch_reconstruct.py CKPT VIDEO --frames N [--start S] [--sample-rate R]
       [--mp4 REC.mp4] [--vs-bf16] [--no-ssim] [--ffmpeg FFMPEG]
prints one JSON object: frames, height, width, psnr, ssim, perFrame {psnr, ssim} (no SSIM with --no-ssim: on a
long clip it costs more than the model), with --mp4
mp4 {vsReconstruction, vsSource, cliEncodeVsReconstruction} (PSNR in dB on 8-bit values), and with --vs-bf16
bf16 {psnr (vs the source), psnrVsA, maxAbsVsA} (both reconstructions clamped to [-1, 1])."""
import argparse
import json
import math
import os
import subprocess
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "training"))
from metrics import psnr, ssim  # noqa: E402
from wfvae import load_pretrained  # noqa: E402


def probe_size(ffmpeg, video):
    """Width and height from ffmpeg's own stream description (ffprobe may live elsewhere)."""
    r = subprocess.run([ffmpeg, "-hide_banner", "-i", video], capture_output=True, text=True)
    for line in r.stderr.splitlines():
        if "Video:" in line:
            for tok in line.replace(",", " ").split():
                if "x" in tok and tok.split("x")[0].isdigit() and tok.split("x")[1].split("[")[0].isdigit():
                    w, h = tok.split("x")
                    return int(w), int(h.split("[")[0])
    raise SystemExit(f"cannot read the frame size of {video}: {r.stderr[-400:]}")


def decode_rgb(ffmpeg, video, start, frames, sample_rate):
    w, h = probe_size(ffmpeg, video)
    select = f"select='gte(n\\,{start})*not(mod(n-{start}\\,{sample_rate}))'"
    raw = subprocess.run(
        [ffmpeg, "-v", "error", "-i", video, "-vf", select, "-fps_mode", "passthrough", "-frames:v", str(frames),
         "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
        capture_output=True, check=True).stdout
    arr = np.frombuffer(raw, dtype=np.uint8)
    got = arr.size // (h * w * 3)
    if got != frames:
        raise SystemExit(f"{video}: ffmpeg gave {got} frames, {frames} wanted")
    return arr.reshape(frames, h, w, 3)


def to_model(rgb):
    """(T, H, W, 3) uint8 -> (1, 3, T, H, W) in [-1, 1]."""
    return torch.from_numpy(rgb.astype(np.float32) / 127.5 - 1).permute(3, 0, 1, 2)[None]


def psnr8(a, b):
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return math.inf if mse == 0 else 10 * math.log10(255.0**2 / mse)


def encode_decode(ffmpeg, rgb, path, crf=18):
    t, h, w, _ = rgb.shape
    subprocess.run(
        [ffmpeg, "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{w}x{h}", "-i", "-",
         "-vf", "scale=out_color_matrix=bt709:out_range=tv:flags=accurate_rnd+full_chroma_int,format=yuv420p",
         "-c:v", "libx264", "-preset", "fast", "-crf", str(crf), "-pix_fmt", "yuv420p",
         "-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709", "-color_range", "tv", path],
        input=rgb.tobytes(), check=True)
    try:
        return decode_rgb(ffmpeg, path, 0, t, 1)
    finally:
        os.remove(path)


def reconstruct(model, x):
    """z = mean, clamped to [-1, 1]."""
    with torch.no_grad():
        h, _ = model.encode(x)
        mean, _ = model.split_moments(h)
        rec, _ = model.decode(mean)
    return rec.clamp(-1, 1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ckpt")
    ap.add_argument("video")
    ap.add_argument("--frames", type=int, required=True)
    ap.add_argument("--start", type=int, default=0)
    ap.add_argument("--sample-rate", type=int, default=1)
    ap.add_argument("--mp4")
    ap.add_argument("--vs-bf16", action="store_true")
    ap.add_argument("--no-ssim", action="store_true")
    ap.add_argument("--ffmpeg", default=os.environ.get("WFVAE_TEST_FFMPEG") or "ffmpeg")
    args = ap.parse_args()
    torch.set_num_threads(2)

    src = decode_rgb(args.ffmpeg, args.video, args.start, args.frames, args.sample_rate)
    x = to_model(src)
    rec = reconstruct(load_pretrained(args.ckpt).eval(), x)
    t = x.shape[2]
    out = {
        "frames": t, "height": x.shape[3], "width": x.shape[4],
        "psnr": psnr(rec, x),
        "perFrame": {"psnr": [psnr(rec[:, :, i:i + 1], x[:, :, i:i + 1]) for i in range(t)]},
    }
    if not args.no_ssim:
        out["ssim"] = ssim(rec, x)
        out["perFrame"]["ssim"] = [ssim(rec[:, :, i:i + 1], x[:, :, i:i + 1]) for i in range(t)]
    if args.mp4:
        written = decode_rgb(args.ffmpeg, args.mp4, 0, t, 1)
        rec8 = np.clip(np.round((rec[0].permute(1, 2, 3, 0).numpy() + 1) * 127.5), 0, 255).astype(np.uint8)
        # What H.264 at the app's settings costs on these very frames, from another FFmpeg build (this command line).
        redone = encode_decode(args.ffmpeg, rec8, args.mp4 + ".cli.mp4")
        out["mp4"] = {"vsReconstruction": psnr8(written, rec8), "vsSource": psnr8(written, src), "cliEncodeVsReconstruction": psnr8(redone, rec8)}
    if args.vs_bf16:
        # Parameters and buffers alike (every tensor the checkpoint stores), rounded to nearest even.
        rec_b = reconstruct(load_pretrained(args.ckpt).eval().bfloat16().float(), x)
        out["bf16"] = {"psnr": psnr(rec_b, x), "psnrVsA": psnr(rec_b, rec), "maxAbsVsA": (rec_b - rec).abs().max().item()}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
