"""The public WF-VAE reference's evaluation pipeline (PKU-YuanGroup/WF-VAE:
scripts/recon_video.py with ValidVideoDataset, causalvideovae/utils/video_utils.py
custom_to_video, scripts/eval.py with cal_psnr.py / cal_ssim.py), reproduced
step by step in torch from reading that code, as an outside reference for the
`wfvae-paper` preset (test/unit/eval/reference-pipeline.test.ts).

Where the reference differs in ways this machine cannot reproduce, it says so:
- frames come from the system's ffmpeg command line with decord's filter graph
  ("scale=W:H" into an rgb24 sink) instead of decord itself;
- the model is the training code's own torch port (training/wfvae), run in
  float32 on the bfloat16-rounded input (the reference runs it in bfloat16 on a
  GPU); its output is rounded to bfloat16, the reference's output dtype;
- cv2.filter2D of cal_ssim.py is the same valid correlation done in float64 here.
- `--reference-io` (OpenCV's mp4v writer and decord's read-back) is not done here.

usage: /usr/bin/python3 test/helpers/reference_pipeline.py MODEL_DIR OUT_DIR CLIP... [--input-only CLIP...]
          [--frames 33] [--sample-rate 1] [--resolution 256] [--crop 256] [--threads 2] [--crop-order input|eval]
A CLIP may carry its own settings: path::frames=33,resolution=128,crop=128,crop_order=eval.
--crop-order input: recon_video.py with --crop_size_width/--crop_size_height (the model's input cropped);
eval: recon_video.py without them, as examples/gen_video.sh runs it (the model sees the whole resized
frame; only eval.py crops). There the model needs sides that are multiples of 8; a resized frame that has
none is cut to them, centred (the reference would feed the odd size in; use clips whose resize lands on them).
prints one JSON line per clip {"clip", "psnr", "ssim", "frames", "height", "width"}
and writes OUT_DIR/<clip file name>.safetensors: `input` (1, 3, T, H, W) float32
holding the bf16 model input, `original` and `reconstruction` (T, H, W, 3), the
bytes custom_to_video saves, as float32 (--input-only clips: the input and the
original, no model run)."""
import argparse
import json
import os
import subprocess
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "training"))
from wfvae import load_pretrained  # noqa: E402
from wfvae.safetensors_io import save_file  # noqa: E402

FFMPEG = os.environ.get("WFVAE_TEST_FFMPEG", "ffmpeg")
FFPROBE = os.environ.get("WFVAE_TEST_FFPROBE", "ffprobe")


def read_frames(path: str, indices) -> np.ndarray:
    """(T, H, W, 3) uint8 of the given frame indices, converted as decord's filter graph converts."""
    probe = json.loads(subprocess.run([FFPROBE, "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height", "-of", "json", path], check=True, capture_output=True).stdout)
    w, h = probe["streams"][0]["width"], probe["streams"][0]["height"]
    last = int(max(indices))
    # Every decoded frame once, in order (decord indexes packets): no frame-rate conversion.
    raw = subprocess.run([FFMPEG, "-nostdin", "-v", "error", "-i", path, "-fps_mode", "passthrough", "-vf", f"scale={w}:{h},format=rgb24", "-frames:v", str(last + 1), "-f", "rawvideo", "-"], check=True, capture_output=True).stdout
    frames = np.frombuffer(raw, np.uint8).reshape(-1, h, w, 3)
    if len(frames) <= last:
        raise SystemExit(f"{path}: video too short ({len(frames)} frames)")
    return frames[np.asarray(indices)]


def torchvision_resize(x: torch.Tensor, size: int) -> torch.Tensor:
    """torchvision.transforms.Resize(size) on a tensor (torchvision 0.17+: antialias=True)."""
    h, w = x.shape[-2:]
    short, long = (w, h) if w <= h else (h, w)
    new_short, new_long = size, int(size * long / short)
    new_w, new_h = (new_short, new_long) if w <= h else (new_long, new_short)
    if (new_h, new_w) == (h, w):
        return x
    return F.interpolate(x, size=[new_h, new_w], mode="bilinear", align_corners=False, antialias=True)


def eval_resize(x: torch.Tensor, resolution: int) -> torch.Tensor:
    """causalvideovae/dataset/video_dataset.py resize(), as scripts/eval.py applies it."""
    height, width = x.shape[-2:]
    aspect_ratio = width / height
    if width <= height:
        new_width, new_height = resolution, int(resolution / aspect_ratio)
    else:
        new_height, new_width = resolution, int(resolution * aspect_ratio)
    return F.interpolate(x, size=(new_height, new_width), mode="bilinear", align_corners=True, antialias=True)


def center_crop(x: torch.Tensor, th: int, tw: int) -> torch.Tensor:
    """causalvideovae/dataset/transform.py center_crop: offsets int(round(...)), Python's round."""
    h, w = x.shape[-2:]
    i = int(round((h - th) / 2.0))
    j = int(round((w - tw) / 2.0))
    return x[..., i:i + th, j:j + tw]


def custom_to_video_bytes(x: torch.Tensor) -> np.ndarray:
    """custom_to_video without the writer: (C, T, H, W) bf16 -> (T, H, W, C) uint8."""
    x = x.detach().cpu()
    x = torch.clamp(x, -1, 1)
    x = (x + 1) / 2
    x = x.permute(1, 2, 3, 0).float().numpy()
    return (255 * x).astype(np.uint8)


def gaussian_kernel(size: int = 11, sigma: float = 1.5) -> np.ndarray:
    """cv2.getGaussianKernel for sigma > 0."""
    i = np.arange(size, dtype=np.float64) - (size - 1) / 2
    k = np.exp(-(i * i) / (2 * sigma * sigma))
    return k / k.sum()


def valid_filter(img: np.ndarray, k: np.ndarray) -> np.ndarray:
    """cv2.filter2D(img, -1, outer(k, k))[5:-5, 5:-5]: the valid 2D correlation."""
    n = len(k)
    h, w = img.shape
    rows = sum(k[j] * img[:, j:w - n + 1 + j] for j in range(n))
    return sum(k[i] * rows[i:h - n + 1 + i, :] for i in range(n))


def ssim(img1: np.ndarray, img2: np.ndarray) -> float:
    """cal_ssim.py ssim() on one [0, 1] channel."""
    c1, c2 = 0.01 ** 2, 0.03 ** 2
    img1 = img1.astype(np.float64)
    img2 = img2.astype(np.float64)
    k = gaussian_kernel()
    mu1, mu2 = valid_filter(img1, k), valid_filter(img2, k)
    mu1_sq, mu2_sq, mu1_mu2 = mu1 ** 2, mu2 ** 2, mu1 * mu2
    sigma1_sq = valid_filter(img1 ** 2, k) - mu1_sq
    sigma2_sq = valid_filter(img2 ** 2, k) - mu2_sq
    sigma12 = valid_filter(img1 * img2, k) - mu1_mu2
    m = ((2 * mu1_mu2 + c1) * (2 * sigma12 + c2)) / ((mu1_sq + mu2_sq + c1) * (sigma1_sq + sigma2_sq + c2))
    return float(m.mean())


def bf16_conv_transpose_workaround() -> None:
    """torch 1.13's CPU conv_transpose2d/3d refuse bfloat16 here (they misread the weight's layout): the
    inverse Haar transforms, which use them, run in float32 and round back to bfloat16."""
    for name in ("conv_transpose2d", "conv_transpose3d"):
        plain = getattr(F, name)

        def patched(x, w, *args, plain=plain, **kwargs):
            if x.dtype == torch.bfloat16:
                return plain(x.float(), w.float(), *args, **kwargs).to(torch.bfloat16)
            return plain(x, w, *args, **kwargs)

        setattr(F, name, patched)


def clip_spec(spec: str, a):
    """CLIP or CLIP::key=value,... : per-clip frames, resolution, crop and crop_order over the defaults."""
    path, _, opts = spec.partition("::")
    c = argparse.Namespace(**vars(a))
    for kv in filter(None, opts.split(",")):
        k, v = kv.split("=")
        setattr(c, k, v if k == "crop_order" else int(v))
    return path, c


def run_clip(spec: str, model, a, out_dir: str) -> dict:
    path, a = clip_spec(spec, a)
    # recon_video.py: ValidVideoDataset(crop_size_width=crop_size_height=crop) and the bf16 input.
    indices = np.linspace(0, a.sample_rate * a.frames - 1, a.frames, dtype=int)
    video = torch.from_numpy(read_frames(path, indices).copy()).permute(3, 0, 1, 2)  # C T H W
    x = video.float() / 255.0  # ToTensorVideo
    x = torchvision_resize(x, a.resolution)
    if a.crop_order == "input":
        x = center_crop(x, a.crop, a.crop)
    else:
        x = center_crop(x, x.shape[-2] - x.shape[-2] % 8, x.shape[-1] - x.shape[-1] % 8)
    x = x.unsqueeze(0).to(torch.bfloat16)
    x = x * 2 - 1
    original = custom_to_video_bytes(x[0])
    name = os.path.basename(path) + ("" if a.crop_order == "input" else "#eval")
    out = os.path.join(out_dir, name + ".safetensors")
    info = {"clip": name, "frames": int(x.shape[2]), "height": int(x.shape[3]), "width": int(x.shape[4])}
    if model is None:
        save_file({"input": x.float().contiguous(), "original": torch.from_numpy(original.astype(np.float32))}, out)
        return info

    dtype = torch.bfloat16 if a.model_dtype == "bfloat16" else torch.float32
    with torch.no_grad():
        h, _ = model.encode(x.to(dtype))
        mean, _ = model.split_moments(h)
        rec, _ = model.decode(mean)
    rec = rec.to(torch.bfloat16)
    reconstruction = custom_to_video_bytes(rec[0])

    # eval.py: EvalDataset reads both back (ToTensorVideo, resize, CenterCropVideo), then the metrics.
    def evaluation(frames: np.ndarray) -> torch.Tensor:
        t = torch.from_numpy(frames.copy()).permute(3, 0, 1, 2).float() / 255.0
        return center_crop(eval_resize(t, a.resolution), a.crop, a.crop)

    real, gen = evaluation(original), evaluation(reconstruction)
    r = real.permute(1, 0, 2, 3)  # (b t) c h w with b = 1
    g = gen.permute(1, 0, 2, 3)
    mse = torch.mean(torch.square(r - g), dim=(1, 2, 3))
    psnr = float((20 * torch.log10(1 / torch.sqrt(mse))).mean())
    per_frame = [float(np.mean([ssim(r[t, c].numpy(), g[t, c].numpy()) for c in range(3)])) for t in range(r.shape[0])]
    save_file({"input": x.float().contiguous(), "original": torch.from_numpy(original.astype(np.float32)), "reconstruction": torch.from_numpy(reconstruction.astype(np.float32))}, out)
    return {**info, "psnr": psnr, "ssim": float(np.mean(per_frame))}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("out_dir")
    ap.add_argument("clips", nargs="*")
    ap.add_argument("--input-only", nargs="*", default=[])
    ap.add_argument("--frames", type=int, default=33)
    ap.add_argument("--sample-rate", type=int, default=1)
    ap.add_argument("--resolution", type=int, default=256)
    ap.add_argument("--crop", type=int, default=256)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--crop-order", choices=["input", "eval"], default="input")
    ap.add_argument("--model-dtype", choices=["float32", "bfloat16"], default="float32",
                    help="bfloat16: the model's weights and arithmetic in bf16, as the reference runs it (slow on a CPU)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    for path in a.input_only:
        print(json.dumps(run_clip(path, None, a, a.out_dir)), flush=True)
    if a.clips:
        model = load_pretrained(a.model)
        if a.model_dtype == "bfloat16":
            model = model.to(torch.bfloat16)
            bf16_conv_transpose_workaround()
        for path in a.clips:
            print(json.dumps(run_clip(path, model, a, a.out_dir)), flush=True)


if __name__ == "__main__":
    main()
