"""PSNR and SSIM definitions used everywhere in training/.

PSNR: on values in [-1, 1] (the reconstruction clamped to [-1, 1]), peak-to-
peak range 2: 10*log10(4 / MSE), MSE over all frames, pixels and channels.
SSIM: Wang et al. 2004 on [0, 255] (values mapped linearly from [-1, 1],
reconstruction clamped, not rounded), Gaussian window 11x11 sigma 1.5, C1 = (0.01*255)^2,
C2 = (0.03*255)^2, 'valid' filtering (no padding), computed per frame and per
channel and averaged (channel mean, then frame mean)."""
import math

import torch
import torch.nn.functional as F


def psnr(rec: torch.Tensor, ref: torch.Tensor) -> float:
    mse = (rec.clamp(-1, 1) - ref).pow(2).mean().item()
    return float("inf") if mse == 0 else 10 * math.log10(4.0 / mse)


def _gauss(size: int = 11, sigma: float = 1.5) -> torch.Tensor:
    g = torch.exp(-((torch.arange(size, dtype=torch.float64) - (size - 1) / 2) ** 2) / (2 * sigma * sigma))
    g = g / g.sum()
    return (g[:, None] * g[None, :])


def to_255(x: torch.Tensor) -> torch.Tensor:
    return (x.clamp(-1, 1) + 1) * 127.5


def ssim(rec: torch.Tensor, ref: torch.Tensor) -> float:
    """rec, ref: (B, 3, T, H, W) in [-1, 1]."""
    a = to_255(rec).double()
    b = to_255(ref).double()
    bsz, c, t, h, w = a.shape
    a = a.permute(0, 2, 1, 3, 4).reshape(bsz * t * c, 1, h, w)
    b = b.permute(0, 2, 1, 3, 4).reshape(bsz * t * c, 1, h, w)
    win = _gauss().to(a)[None, None]
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    mu_a, mu_b = F.conv2d(a, win), F.conv2d(b, win)
    saa = F.conv2d(a * a, win) - mu_a ** 2
    sbb = F.conv2d(b * b, win) - mu_b ** 2
    sab = F.conv2d(a * b, win) - mu_a * mu_b
    m = ((2 * mu_a * mu_b + c1) * (2 * sab + c2)) / ((mu_a ** 2 + mu_b ** 2 + c1) * (saa + sbb + c2))
    return m.mean().item()
