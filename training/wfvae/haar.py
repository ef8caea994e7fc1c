"""Haar wavelet analysis/synthesis modules with the reference's storage:
the 3D analysis keeps its eight 2x2x2 filters as frozen conv weights
(`h_conv.conv.weight` ...), the 3D synthesis and both 2D transforms keep
theirs as buffers. Filter values are whatever the checkpoint carries
(released models: 0.3536, not exactly 1/sqrt(8)); we only define the sign
patterns and the default coefficient.

Subband order is filter-major: output channel k*C + c is filter k of input
channel c, so channels 0..C-1 are always the low-pass band."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from .layers import CausalConv3d, frames_apply

HAAR3D_COEFF = 0.3536

# (name, sign over t, sign over h, sign over w); "+" = (1, 1), "-" = (1, -1)
_HAAR3D = [
    ("h", "+", "+", "+"),
    ("g", "+", "+", "-"),
    ("hh", "+", "-", "+"),
    ("gh", "+", "-", "-"),
    ("h_v", "-", "+", "+"),
    ("g_v", "-", "+", "-"),
    ("hh_v", "-", "-", "+"),
    ("gh_v", "-", "-", "-"),
]
_HAAR2D = [("aa", "+", "+"), ("ad", "-", "+"), ("da", "+", "-"), ("dd", "-", "-")]


def _pair(sign: str) -> torch.Tensor:
    return torch.tensor([1.0, 1.0 if sign == "+" else -1.0])


def haar3d_filter(st: str, sh: str, sw: str, coeff: float = HAAR3D_COEFF) -> torch.Tensor:
    f = _pair(st)[:, None, None] * _pair(sh)[None, :, None] * _pair(sw)[None, None, :]
    return (f * coeff).view(1, 1, 2, 2, 2)


def haar2d_filter(sh: str, sw: str) -> torch.Tensor:
    return (_pair(sh)[:, None] * _pair(sw)[None, :] * 0.5).view(1, 1, 2, 2)


def _to_filter_major(y: torch.Tensor, b: int, c: int, nf: int) -> torch.Tensor:
    # (b*c, nf, ...) -> (b, nf*c, ...) with filter-major channels
    return y.reshape(b, c, nf, *y.shape[2:]).transpose(1, 2).reshape(b, nf * c, *y.shape[2:])


def _from_filter_major(x: torch.Tensor, nf: int) -> torch.Tensor:
    b, fc = x.shape[:2]
    c = fc // nf
    return x.reshape(b, nf, c, *x.shape[2:]).transpose(1, 2).reshape(b * c, nf, *x.shape[2:]), b, c


class Haar3D(nn.Module):
    """Causal 3D Haar analysis, stride 2: T -> (T+1)//2, H,W -> H/2, W/2
    (reference name: HaarWaveletTransform3D)."""

    def __init__(self, coeff: float = HAAR3D_COEFF):
        super().__init__()
        for name, st, sh, sw in _HAAR3D:
            tap = CausalConv3d(1, 1, 2, stride=2, bias=False)
            with torch.no_grad():
                tap.conv.weight.copy_(haar3d_filter(st, sh, sw, coeff))
            tap.requires_grad_(False)
            setattr(self, f"{name}_conv", tap)

    def bank(self) -> torch.Tensor:
        return torch.cat([getattr(self, f"{n}_conv").conv.weight for n, *_ in _HAAR3D], dim=0)

    def forward(self, x):
        b, c = x.shape[:2]
        x = x.reshape(b * c, 1, *x.shape[2:])
        x = torch.cat([x[:, :, :1], x], dim=2)  # causal: one replica of frame 0
        return _to_filter_major(F.conv3d(x, self.bank(), stride=2), b, c, 8)


class InverseHaar3D(nn.Module):
    """Synthesis for Haar3D: transposed conv, stride 2, first output frame
    dropped: T -> 2T-1 (reference name: InverseHaarWaveletTransform3D)."""

    def __init__(self, coeff: float = HAAR3D_COEFF):
        super().__init__()
        for name, st, sh, sw in _HAAR3D:
            self.register_buffer(name, haar3d_filter(st, sh, sw, coeff))

    def forward(self, coeffs):
        x, b, c = _from_filter_major(coeffs, 8)
        bank = torch.cat([getattr(self, n) for n, *_ in _HAAR3D], dim=0)
        y = F.conv_transpose3d(x, bank, stride=2)[:, :, 1:]
        return y.reshape(b, c, *y.shape[2:])


class Haar2D(nn.Module):
    """Per-frame 2D Haar analysis (reference name: HaarWaveletTransform2D)."""

    def __init__(self):
        super().__init__()
        for name, sh, sw in _HAAR2D:
            self.register_buffer(name, haar2d_filter(sh, sw))

    def _image(self, x):
        b, c = x.shape[:2]
        bank = torch.cat([getattr(self, n) for n, *_ in _HAAR2D], dim=0)
        y = F.conv2d(x.reshape(b * c, 1, *x.shape[2:]), bank, stride=2)
        return _to_filter_major(y, b, c, 4)

    def forward(self, x):
        return frames_apply(self._image, x)


class InverseHaar2D(nn.Module):
    """Per-frame 2D Haar synthesis (reference name: InverseHaarWaveletTransform2D)."""

    def __init__(self):
        super().__init__()
        for name, sh, sw in _HAAR2D:
            self.register_buffer(name, haar2d_filter(sh, sw))

    def _image(self, coeffs):
        x, b, c = _from_filter_major(coeffs, 4)
        bank = torch.cat([getattr(self, n) for n, *_ in _HAAR2D], dim=0)
        y = F.conv_transpose2d(x, bank, stride=2)
        return y.reshape(b, c, *y.shape[2:])

    def forward(self, coeffs):
        return frames_apply(self._image, coeffs)
