"""Training batches from training/data/clips.safetensors: random crops,
horizontal flips, frame-rate jitter (temporal stride 1-2) over real video
segments, and synthetic camera moves (pan, zoom, slow rotation, a still
camera) over photographs. Output: (B, 3, T, S, S) float in [-1, 1]."""
import json
import math
import random
from typing import List

import torch
import torch.nn.functional as F

from wfvae.safetensors_io import load_file, read_header


class ClipSampler:
    def __init__(self, path: str, photo_fraction: float = 0.3, seed: int = 0):
        tensors = load_file(path)
        video_keys = sorted((k for k in tensors if k.startswith("video.")), key=lambda k: int(k.split(".")[1]))
        self.videos: List[torch.Tensor] = [tensors[k] for k in video_keys]
        self.photos: List[torch.Tensor] = [v for k, v in sorted(tensors.items()) if k.startswith("photo.")]
        meta = read_header(path).get("__metadata__", {})
        self.sources = json.loads(meta.get("sources", "{}"))
        self.val_name = meta.get("val")
        self.photo_fraction = photo_fraction if self.photos else 0.0
        self.rng = random.Random(seed)
        # each source video weighs sqrt(its frame count), spread over its
        # segments, so the many short game cartoons do not crowd out the
        # few long real-camera videos
        per_source = {}
        for k, v in zip(video_keys, self.videos):
            per_source[self.sources.get(k, k)] = per_source.get(self.sources.get(k, k), 0) + v.shape[0]
        self.weights = [v.shape[0] / math.sqrt(per_source[self.sources.get(k, k)]) for k, v in zip(video_keys, self.videos)]

    def _video_clip(self, t: int, s: int) -> torch.Tensor:
        for _ in range(50):
            v = self.rng.choices(self.videos, weights=self.weights)[0]
            n, h, w, _ = v.shape
            if h < s or w < s:
                continue
            strides = [k for k in (1, 2) if (t - 1) * k + 1 <= n]
            if not strides:
                continue
            k = self.rng.choice(strides)
            t0 = self.rng.randrange(0, n - (t - 1) * k)
            y0, x0 = self.rng.randrange(0, h - s + 1), self.rng.randrange(0, w - s + 1)
            clip = v[t0 : t0 + (t - 1) * k + 1 : k, y0 : y0 + s, x0 : x0 + s]
            if self.rng.random() < 0.5:
                clip = clip.flip(2)
            return clip.permute(3, 0, 1, 2).float() / 127.5 - 1.0
        raise RuntimeError(f"no video segment holds {t} frames of {s}x{s}")

    def _photo_clip(self, t: int, s: int) -> torch.Tensor:
        im = self.rng.choice(self.photos).permute(2, 0, 1)[None].float()
        h, w = im.shape[2:]
        # zoomed-out views are downscaled with antialiasing first
        zoom_out = self.rng.uniform(1.0, min(2.5, min(h, w) / (1.6 * s)))
        if zoom_out > 1.05:
            im = F.interpolate(im, size=(int(h / zoom_out), int(w / zoom_out)), mode="bilinear", antialias=True, align_corners=False)
            h, w = im.shape[2:]
        move = self.rng.choice(["pan", "zoom", "rotate", "pan+zoom", "still"])
        # "still": a camera on a tripod (as in street/surveillance footage),
        # only a sub-pixel drift, so all the bits can go to spatial detail
        speed = self.rng.uniform(0.0, 0.2) if move == "still" else self.rng.uniform(0.3, 3.0)  # source pixels per frame
        ang = self.rng.uniform(0, 2 * math.pi)
        vx, vy = (speed * math.cos(ang), speed * math.sin(ang)) if move in ("pan", "pan+zoom", "still") else (0.0, 0.0)
        zr = self.rng.uniform(-0.012, 0.012) if "zoom" in move else 0.0
        wr = math.radians(self.rng.uniform(-0.6, 0.6)) if move == "rotate" else 0.0
        margin = s * 0.75 + speed * t
        cx = self.rng.uniform(min(margin, w / 2), max(w - margin, w / 2))
        cy = self.rng.uniform(min(margin, h / 2), max(h - margin, h / 2))
        thetas = []
        for i in range(t):
            win = s * math.exp(zr * i)
            a = wr * i
            px, py = cx + vx * i, cy + vy * i
            thetas.append([
                [math.cos(a) * win / w, -math.sin(a) * win / w, (px - w / 2) / (w / 2)],
                [math.sin(a) * win / h, math.cos(a) * win / h, (py - h / 2) / (h / 2)],
            ])
        theta = torch.tensor(thetas, dtype=torch.float32)
        grid = F.affine_grid(theta, [t, 3, s, s], align_corners=False)
        frames = F.grid_sample(im.expand(t, -1, -1, -1), grid, mode="bilinear", padding_mode="reflection", align_corners=False)
        frames = frames.round().clamp(0, 255)  # as if it had been stored as 8-bit video
        return frames.permute(1, 0, 2, 3) / 127.5 - 1.0

    def batch(self, b: int, t: int, s: int) -> torch.Tensor:
        clips = [self._photo_clip(t, s) if self.rng.random() < self.photo_fraction else self._video_clip(t, s) for _ in range(b)]
        return torch.stack(clips)
