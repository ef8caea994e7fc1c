"""The SSIM value test/unit/metrics/metrics.test.ts checks the app's SSIM
against, computed here independently of the app's code: scipy's
correlate2d ('valid') with the outer-product 11x11 Gaussian window (sigma 1.5),
K1 0.01, K2 0.03 on values mapped to [0, 255] (Wang et al. 2004, as their
reference implementation), mean over the map, then over the channels; and
once more with torch's conv2d, which must agree. The inputs are the test's:
3 channels of 24x20, a = 0.8 sin(0.37 x + 0.61 y + c), b = 0.7 a + 0.1 cos(1.3 x - 0.4 y),
each stored as float32 the way the test builds them.

Writes test/fixtures/ssim-reference.json.
Run: /usr/bin/python3 scripts/reference/ssim_reference.py   (needs python3-scipy, python3-torch)"""
import json
import os

import numpy as np
import scipy
import torch
from scipy.signal import correlate2d

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "test", "fixtures", "ssim-reference.json")
C, H, W = 3, 24, 20


def inputs():
    y, x = np.mgrid[0:H, 0:W].astype(np.float64)
    a = np.stack([(0.8 * np.sin(0.37 * x + 0.61 * y + c)).astype(np.float32) for c in range(C)])
    b = (0.7 * a.astype(np.float64) + 0.1 * np.cos(1.3 * x - 0.4 * y)).astype(np.float32)
    return a, b


def window():
    g = np.exp(-((np.arange(11) - 5.0) ** 2) / (2 * 1.5**2))
    g /= g.sum()
    return np.outer(g, g)


def to255(v):
    return (v.astype(np.float64) + 1) * 127.5


def ssim_map(x, y, filt):
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    mx, my = filt(x), filt(y)
    vx, vy, cov = filt(x * x) - mx * mx, filt(y * y) - my * my, filt(x * y) - mx * my
    return ((2 * mx * my + c1) * (2 * cov + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2))


def with_scipy(a, b):
    w = window()
    return float(np.mean([ssim_map(to255(a[c]), to255(b[c]), lambda v: correlate2d(v, w, mode="valid")).mean() for c in range(C)]))


def with_torch(a, b):
    w = torch.from_numpy(window())[None, None]

    def filt(v):
        return torch.nn.functional.conv2d(torch.as_tensor(v)[None, None], w)[0, 0].numpy()

    return float(np.mean([ssim_map(to255(a[c]), to255(b[c]), filt).mean() for c in range(C)]))


def main():
    a, b = inputs()
    s, t = with_scipy(a, b), with_torch(a, b)
    assert abs(s - t) < 1e-12, f"scipy {s} and torch {t} disagree"
    with open(OUT, "w") as f:
        json.dump({
            "note": "Made by scripts/reference/ssim_reference.py (scipy.signal.correlate2d valid, outer-product Gaussian window; torch conv2d agrees): SSIM of the inputs test/unit/metrics/metrics.test.ts builds.",
            "inputs": "3x24x20 float32: a = 0.8 sin(0.37 x + 0.61 y + c); b = 0.7 a + 0.1 cos(1.3 x - 0.4 y); values in [-1, 1]",
            "scipy": scipy.__version__,
            "torch": torch.__version__,
            "ssim": s,
        }, f, indent=2)
        f.write("\n")
    print(f"SSIM {s!r} (torch {t!r})")


if __name__ == "__main__":
    main()
