"""Building blocks of a WF-VAE, written so that their parameter names and
shapes line up with the public reference's state_dict layout (that layout is
the contract: a checkpoint trained here loads anywhere the reference's does).

Tensors are (B, C, T, H, W). Time is causal throughout: a temporal kernel of
size k sees k-1 replicas of the first frame before the clip starts."""
import torch
import torch.nn as nn
import torch.nn.functional as F


def swish(x: torch.Tensor) -> torch.Tensor:
    return x * torch.sigmoid(x)


def frames_apply(fn, x: torch.Tensor) -> torch.Tensor:
    """Runs a 4D (per-image) op on every frame of a 5D clip."""
    if x.dim() != 5:
        return fn(x)
    b, _, t = x.shape[:3]
    y = fn(x.transpose(1, 2).reshape(b * t, *x.shape[1:2], *x.shape[3:]))
    return y.reshape(b, t, *y.shape[1:]).transpose(1, 2)


class FrameConv2d(nn.Conv2d):
    """nn.Conv2d that accepts clips (applied frame by frame). Its parameters
    sit directly on the module (`<name>.weight`), as the reference stores them."""

    def forward(self, x):  # type: ignore[override]
        return frames_apply(super().forward, x)


_MKLDNN_MIN_VOLUME = 20480


class CausalConv3d(nn.Module):
    """3D conv whose temporal receptive field only looks backwards. Parameters
    live under `.conv` so the checkpoint keys read `<name>.conv.weight`."""

    def __init__(self, cin: int, cout: int, kernel: int, stride=1, padding=0, bias: bool = True):
        super().__init__()
        k = (kernel,) * 3 if isinstance(kernel, int) else tuple(kernel)
        s = (stride,) * 3 if isinstance(stride, int) else tuple(stride)
        p = (padding,) * 3 if isinstance(padding, int) else tuple(padding)
        self.t_kernel = k[0]
        self.conv = nn.Conv3d(cin, cout, k, stride=s, padding=(0, p[1], p[2]), bias=bias)

    def forward(self, x):
        if self.t_kernel > 1:
            x = torch.cat([x[:, :, :1].expand(-1, -1, self.t_kernel - 1, -1, -1), x], dim=2)
        if x.shape[0] == 1 and x.shape[1] * x.shape[2] * x.shape[3] <= _MKLDNN_MIN_VOLUME:
            # PyTorch 1.13 routes small batch-1 3D convs to its unfold-based
            # kernel, 10-50x slower on CPU than oneDNN; a second (discarded)
            # batch row selects oneDNN and costs far less.
            return self.conv(torch.cat([x, x], dim=0))[:1]
        return self.conv(x)


class ChannelLayerNorm(nn.Module):
    """LayerNorm over channels at each (t, h, w) position (so it is causal and
    per frame). Held as `.norm` to match `norm.norm.weight` keys."""

    def __init__(self, channels: int, eps: float = 1e-6):
        super().__init__()
        self.norm = nn.LayerNorm(channels, eps=eps)

    def forward(self, x):
        return self.norm(x.movedim(1, -1)).movedim(-1, 1)


def make_norm(channels: int, norm_type: str) -> nn.Module:
    if norm_type == "layernorm":
        return ChannelLayerNorm(channels)
    if norm_type == "groupnorm":
        return nn.GroupNorm(32, channels, eps=1e-6)
    raise ValueError(f"norm_type must be 'layernorm' or 'groupnorm', got {norm_type!r}")


class ResBlock2D(nn.Module):
    """Pre-activation residual block applied per frame."""

    def __init__(self, cin: int, cout: int, norm_type: str):
        super().__init__()
        self.norm1 = make_norm(cin, norm_type)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.norm2 = make_norm(cout, norm_type)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.nin_shortcut = nn.Conv2d(cin, cout, 1) if cin != cout else None

    def _image(self, x):
        h = self.conv1(swish(self.norm1(x)))
        h = self.conv2(swish(self.norm2(h)))
        skip = self.nin_shortcut(x) if self.nin_shortcut is not None else x
        return skip + h

    def forward(self, x):
        return frames_apply(self._image, x)


class ResBlock3D(nn.Module):
    """Pre-activation residual block with causal 3x3x3 convolutions."""

    def __init__(self, cin: int, cout: int, norm_type: str):
        super().__init__()
        self.norm1 = make_norm(cin, norm_type)
        self.conv1 = CausalConv3d(cin, cout, 3, padding=1)
        self.norm2 = make_norm(cout, norm_type)
        self.conv2 = CausalConv3d(cout, cout, 3, padding=1)
        self.nin_shortcut = CausalConv3d(cin, cout, 1) if cin != cout else None

    def forward(self, x):
        h = self.conv1(swish(self.norm1(x)))
        h = self.conv2(swish(self.norm2(h)))
        skip = self.nin_shortcut(x) if self.nin_shortcut is not None else x
        return skip + h


class FrameAttention(nn.Module):
    """Single-head self-attention over the H*W positions of each frame
    (the reference's AttnBlock3DFix)."""

    def __init__(self, channels: int, norm_type: str):
        super().__init__()
        self.norm = make_norm(channels, norm_type)
        self.q = CausalConv3d(channels, channels, 1)
        self.k = CausalConv3d(channels, channels, 1)
        self.v = CausalConv3d(channels, channels, 1)
        self.proj_out = CausalConv3d(channels, channels, 1)

    def forward(self, x):
        n = self.norm(x)
        b, c, t, h, w = x.shape

        def tokens(m):
            return m(n).permute(0, 2, 3, 4, 1).reshape(b * t, h * w, c)

        q, k, v = tokens(self.q), tokens(self.k), tokens(self.v)
        att = torch.softmax(torch.bmm(q, k.transpose(1, 2)) * (c ** -0.5), dim=-1)
        y = torch.bmm(att, v).reshape(b, t, h, w, c).permute(0, 4, 1, 2, 3)
        return x + self.proj_out(y)


class SpatialDown2x(nn.Module):
    """Per-frame stride-2 conv, padded by one zero row/column at the far edge
    (reference name: Downsample)."""

    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, stride=2)

    def forward(self, x):
        return frames_apply(lambda im: self.conv(F.pad(im, (0, 1, 0, 1))), x)


class SpatialUp2x(nn.Module):
    """Per-frame nearest x2 then 3x3 conv (reference name: Upsample)."""

    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, padding=1)

    def forward(self, x):
        return frames_apply(lambda im: self.conv(F.interpolate(im, scale_factor=2.0, mode="nearest")), x)


class SpaceTimeDown2x(nn.Module):
    """Causal stride-2 conv in t, h and w: T -> (T+1)/2
    (reference name: Spatial2xTime2x3DDownsample)."""

    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.conv = CausalConv3d(cin, cout, 3, stride=2)

    def forward(self, x):
        return self.conv(F.pad(x, (0, 1, 0, 1, 0, 0)))


class SpaceTimeUp2x(nn.Module):
    """First frame: x2 in space only. Remaining frames: x2 in time (nearest or
    trilinear), then x2 in space. T -> 2T-1 (reference name:
    Spatial2xTime2x3DUpsample)."""

    def __init__(self, cin: int, cout: int, t_interpolation: str):
        super().__init__()
        if t_interpolation not in ("nearest", "trilinear"):
            raise ValueError(f"t_interpolation must be 'nearest' or 'trilinear', got {t_interpolation!r}")
        self.t_interpolation = t_interpolation
        self.conv = CausalConv3d(cin, cout, 3, padding=1)

    def forward(self, x):
        first = F.interpolate(x[:, :, :1], scale_factor=(1, 2, 2), mode="trilinear", align_corners=False)
        if x.shape[2] > 1:
            rest = x[:, :, 1:]
            if self.t_interpolation == "trilinear":
                rest = F.interpolate(rest, scale_factor=(2, 1, 1), mode="trilinear", align_corners=False)
            else:
                rest = F.interpolate(rest, scale_factor=(2, 1, 1), mode="nearest")
            rest = F.interpolate(rest, scale_factor=(1, 2, 2), mode="trilinear", align_corners=False)
            first = torch.cat([first, rest], dim=2)
        return self.conv(first)
