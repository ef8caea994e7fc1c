"""Writes resources/models/wfvae-demo/MODEL_CARD.md from the checkpoint that
was exported and an evaluate.py --json result, so every number in the card
comes from a command.

Usage: /usr/bin/python3 training/write_model_card.py --ckpt training/runs/main/best.pt \
           --eval /tmp/eval.json [--out resources/models/wfvae-demo/MODEL_CARD.md]"""
import argparse
import json
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from wfvae import WFVAE, WFVAEConfig  # noqa: E402

CARD = """# wfvae-demo — a small WF-VAE trained on a 2-core CPU

Our own WF-VAE, trained from scratch on this project's machines (the released
WF-VAE weights are on a hub they cannot reach). It is stored exactly in the
public reference's `WFVAEModel` layout (`config.json` +
`diffusion_pytorch_model.safetensors`, Haar filter tensors included with the
released 0.3536 coefficient), so the app loads it through the same converter
as any user checkpoint. It is a demo model: far smaller and far less trained
than the released WF-VAE-L.

## Model

| | |
| --- | --- |
| class / topology | WFVAEModel, 4x temporal x 8x8 spatial (WF-VAE-L-16Chn layout: l1 Downsample + HaarWaveletTransform2D, l2 Spatial2xTime2x3DDownsample + HaarWaveletTransform3D) |
| latent | 16 channels (mean + logvar = 32 from the encoder), (1 + (T-1)/4) x H/8 x W/8 |
| norm / temporal upsampling / attention | layernorm / trilinear / on (AttnBlock3DFix) |
| base_channels / energy-flow width | {base} / {ef} (encoder and decoder) |
| parameters | {params:,} trainable (+128 frozen Haar taps, 64 Haar buffer values) |
| weights | {dtype}, {size_mib:.1f} MiB |

## Training

* Data: only video and photographs shipped in Debian packages
  (`training/fetch_data.sh`: `apt-get download` + `dpkg -x`, no dependencies).
  Videos (2905 frames in 50-frame segments, at most 400 per video, short side
  <= 192): opencv-doc (Megamind.avi, Megamind_bugy.avi, tree.avi),
  python3-mecavideo (7 lab videos), planetblupi-common (14 game movies),
  kphotoalbum (demo movie.avi), openboard-common (wannaworktogether.mp4),
  openshot-qt (hardware-example.mp4). Photographs: 118 from
  gnome-backgrounds (16), plasma-workspace-wallpapers (72), mate-backgrounds
  (30), turned into clips by synthetic camera moves (pan, zoom, slow
  rotation). Mix: 30% photograph clips and video segments drawn by length
  for the first 766 steps; then 50% photograph clips and each source video
  weighted by the square root of its length (so the 14 short game movies do
  not crowd out the real-camera videos). Held out: **balle-jbart.mp4**
  (python3-mecavideo, real camera footage) as the validation clip, and
  opencv-doc's **vtest.avi** as a separate benchmark; neither is trained on.
* Clips: 9 frames at 96x96 (3 of 4 steps) or 17 frames at 64x64, batch 2,
  random crops, horizontal flips, frame-rate jitter (stride 1 or 2).
* Losses (as in the WF-VAE paper): L1 reconstruction + KL (weight 1e-6 on
  the summed KL against a summed L1) + wavelet-flow loss 0.1 x (L1(enc.l1,
  dec.l1) + L1(enc.l2, dec.l2)). No perceptual (LPIPS) or adversarial term:
  both need pretrained networks that cannot be downloaded here.
* Initialisation: Haar low-pass (`training/wfvae/init.py`): before training
  the model is exactly the Haar low-pass codec below (latent channels 0..2 =
  the coarsest low-low-low band), every other path starts at zero. Measured
  on 150-step runs (base 16, energy flow 24, same seed and data, 1 thread
  each): validation PSNR {init_haar} dB with it vs {init_default} dB from
  PyTorch's default initialisation. A first version that scaled the latent
  band by 1/32 drifted to 20.9 dB in the same 150 steps: the path must be
  built from O(1) weights so that Adam's lr-sized steps barely move it.
* Optimiser: AdamW lr 2e-4 (100 warm-up steps, cosine decay to 2e-5 over the
  last 30 minutes), betas (0.9, 0.99), weight decay 1e-4, gradient clip 1.
* Hardware and time: 2 shared CPU cores (PyTorch 1.13, 2 threads, nice 19),
  {steps} steps, {minutes:.0f} minutes of training wall time. The exported
  checkpoint is the one with the best validation PSNR.

## Results

Protocol: short side scaled to 256 (area filter), centre crop to multiples
of 8, first 33 frames, whole-clip inference, decoding the posterior mean.
PSNR on [-1, 1] with range 2 (reconstruction clamped): 10 log10(4 / MSE)
over the whole clip. SSIM (Wang et al. 2004) on [0, 255], Gaussian 11x11
window, sigma 1.5, K1 0.01, K2 0.03, valid windows, mean over the 3
channels, then over frames. Haar low-pass baseline: the 3-level Haar
analysis of the model's energy-flow path ((3D, 2D, 3D): 4x temporal, 8x
spatial), keep only the coarsest low-low-low band, zero the rest, invert.

| clip | size | model PSNR | model SSIM | Haar low-pass PSNR | Haar low-pass SSIM |
| --- | --- | --- | --- | --- | --- |
{rows}

The target of 28 dB on natural video at 256 is {verdict}

Reproduce (after `training/fetch_data.sh`):

    /usr/bin/python3 training/evaluate.py --model resources/models/wfvae-demo --size 256 --frames 33
    npm run -s wfvae -- reconstruct training/data/pkgs/python3-mecavideo/usr/share/pymecavideo/data/video/balle-jbart.mp4 --size 256 --frames 33 --json
    npm run -s wfvae -- reconstruct training/data/pkgs/opencv-doc/usr/share/doc/opencv-doc/examples/data/vtest.avi --size 256 --frames 33 --json

The app's decoder and metrics follow the same protocol; on vtest.avi both
commands gave the same PSNR to 1e-3 dB and the same SSIM to 1e-4 for the
first export.
Retrain: see `training/README.md`.
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--eval", required=True)
    ap.add_argument("--model-dir", default=os.path.join(HERE, "..", "resources", "models", "wfvae-demo"))
    ap.add_argument("--init-haar", default="28.82")
    ap.add_argument("--init-default", default="18.47")
    args = ap.parse_args()
    ck = torch.load(args.ckpt, map_location="cpu")
    cfg = WFVAEConfig.from_dict(ck["config"])
    params = WFVAE(cfg).num_trainable_params()
    with open(args.eval) as f:
        ev = json.load(f)
    rows, natural_ok = [], []
    for r in ev["results"]:
        m, b = r["model"], r["haar_lowpass"]
        rows.append(f"| {r['video']} | {r['shape'][3]}x{r['shape'][4]}x{r['shape'][2]} | {m['psnr']:.2f} dB | {m['ssim']:.4f} | {b['psnr']:.2f} dB | {b['ssim']:.4f} |")
        natural_ok.append((r["video"], m["psnr"]))
    met = [f"{n} ({p:.2f} dB)" for n, p in natural_ok if p >= 28]
    missed = [f"{n} ({p:.2f} dB)" for n, p in natural_ok if p < 28]
    base = {r["video"]: r["haar_lowpass"]["psnr"] for r in ev["results"]}
    hardest = min(base, key=base.get)
    easiest = max(base, key=base.get)
    verdict = ("met on " + ", ".join(met) if met else "not met on any clip") + (
        "; not met on " + ", ".join(missed) + f". {hardest} is a dense street scene full of fine detail: even its "
        f"Haar low-pass baseline is {base[easiest] - base[hardest]:.1f} dB below {easiest}'s. Closing that gap needs "
        "a wider model and far more training than about an hour on 2 shared CPU cores." if missed else ".")
    weights = os.path.join(args.model_dir, "diffusion_pytorch_model.safetensors")
    with open(weights, "rb") as f:
        import struct
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
    dtype = next(v["dtype"] for k, v in header.items() if k != "__metadata__")
    text = CARD.format(
        base=cfg.base_channels, ef=cfg.encoder_energy_flow_hidden_size, params=params, dtype=dtype,
        size_mib=os.path.getsize(weights) / 2**20, init_haar=args.init_haar, init_default=args.init_default,
        steps=ck["step"], minutes=ck["elapsed_s"] / 60, rows="\n".join(rows), verdict=verdict,
    )
    out = os.path.join(args.model_dir, "MODEL_CARD.md")
    with open(out, "w") as f:
        f.write(text)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
