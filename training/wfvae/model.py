"""WF-VAE (WFVAEModel layout) for the 4x temporal / 8x spatial topology:
input 3D Haar, level-1 2D Haar energy flow, level-2 3D Haar energy flow.

Only this topology (Downsample/HaarWaveletTransform2D at level 1,
Spatial2xTime2x3DDownsample/HaarWaveletTransform3D at level 2, and the
matching upsamplers) is implemented; the config is checked on construction."""
import json
from dataclasses import asdict, dataclass, field
from typing import Dict, List, Tuple

import torch
import torch.nn as nn

from .haar import Haar2D, Haar3D, InverseHaar2D, InverseHaar3D
from .layers import (
    CausalConv3d,
    FrameAttention,
    FrameConv2d,
    ResBlock2D,
    ResBlock3D,
    SpaceTimeDown2x,
    SpaceTimeUp2x,
    SpatialDown2x,
    SpatialUp2x,
    make_norm,
    swish,
)


@dataclass
class WFVAEConfig:
    """Field names, order and defaults follow the reference's config.json."""

    _class_name: str = "WFVAEModel"
    attention_type: str = "AttnBlock3DFix"
    base_channels: int = 128
    connect_res_layer_num: int = 1
    decoder_energy_flow_hidden_size: int = 128
    decoder_num_resblocks: int = 2
    dropout: float = 0.0
    encoder_energy_flow_hidden_size: int = 64
    encoder_num_resblocks: int = 2
    l1_dowmsample_block: str = "Downsample"
    l1_downsample_wavelet: str = "HaarWaveletTransform2D"
    l1_upsample_block: str = "Upsample"
    l1_upsample_wavelet: str = "InverseHaarWaveletTransform2D"
    l2_dowmsample_block: str = "Spatial2xTime2x3DDownsample"
    l2_downsample_wavelet: str = "HaarWaveletTransform3D"
    l2_upsample_block: str = "Spatial2xTime2x3DUpsample"
    l2_upsample_wavelet: str = "InverseHaarWaveletTransform3D"
    latent_dim: int = 16
    norm_type: str = "layernorm"
    scale: List[float] = field(default_factory=lambda: [0.18215, 0.18215, 0.18215, 0.18215])
    shift: List[float] = field(default_factory=lambda: [0, 0, 0, 0])
    t_interpolation: str = "trilinear"
    use_attention: bool = True

    _FIXED = {
        "attention_type": "AttnBlock3DFix",
        "l1_dowmsample_block": "Downsample",
        "l1_downsample_wavelet": "HaarWaveletTransform2D",
        "l1_upsample_block": "Upsample",
        "l1_upsample_wavelet": "InverseHaarWaveletTransform2D",
        "l2_dowmsample_block": "Spatial2xTime2x3DDownsample",
        "l2_downsample_wavelet": "HaarWaveletTransform3D",
        "l2_upsample_block": "Spatial2xTime2x3DUpsample",
        "l2_upsample_wavelet": "InverseHaarWaveletTransform3D",
    }

    def validate(self) -> None:
        for k, v in self._FIXED.items():
            if getattr(self, k) != v:
                raise ValueError(f"config {k}={getattr(self, k)!r}: only {v!r} is implemented (4x8x8 WF-VAE-L topology)")
        if self._class_name != "WFVAEModel":
            raise ValueError(f"config _class_name={self._class_name!r}: expected 'WFVAEModel'")

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2) + "\n"

    @classmethod
    def from_dict(cls, d: Dict) -> "WFVAEConfig":
        known = {k: v for k, v in d.items() if k in cls.__dataclass_fields__}
        unknown = sorted(set(d) - set(known) - {"_diffusers_version"})
        if unknown:
            raise ValueError(f"config has keys this implementation does not know: {unknown}")
        cfg = cls(**known)
        cfg.validate()
        return cfg

    @classmethod
    def load(cls, path: str) -> "WFVAEConfig":
        with open(path) as f:
            return cls.from_dict(json.load(f))


class Encoder(nn.Module):
    def __init__(self, cfg: WFVAEConfig):
        super().__init__()
        c, ef, nt = cfg.base_channels, cfg.encoder_energy_flow_hidden_size, cfg.norm_type
        n = cfg.encoder_num_resblocks
        self.down1 = nn.Sequential(
            FrameConv2d(24, c, 3, padding=1),
            *[ResBlock2D(c, c, nt) for _ in range(n)],
            SpatialDown2x(c, c),
        )
        self.down2 = nn.Sequential(
            FrameConv2d(c + ef, 2 * c, 3, padding=1),
            *[ResBlock3D(2 * c, 2 * c, nt) for _ in range(n)],
            SpaceTimeDown2x(2 * c, 2 * c),
        )
        self.connect_l1 = FrameConv2d(12, ef, 3, padding=1)
        self.connect_l2 = FrameConv2d(24, ef, 3, padding=1)
        mid: List[nn.Module] = [ResBlock3D(2 * c + ef, 4 * c, nt)]
        if cfg.use_attention:
            mid.append(FrameAttention(4 * c, nt))
        mid.append(ResBlock3D(4 * c, 4 * c, nt))
        self.mid = nn.Sequential(*mid)
        self.norm_out = make_norm(4 * c, nt)
        self.conv_out = CausalConv3d(4 * c, 2 * cfg.latent_dim, 3, padding=1)
        self.wavelet_transform_in = Haar3D()
        self.wavelet_transform_l1 = Haar2D()
        self.wavelet_transform_l2 = Haar3D()

    def forward(self, x) -> Tuple[torch.Tensor, Tuple[torch.Tensor, torch.Tensor]]:
        coeffs = self.wavelet_transform_in(x)
        l1_coeffs = self.wavelet_transform_l1(coeffs[:, :3])
        l2_coeffs = self.wavelet_transform_l2(l1_coeffs[:, :3])
        h = torch.cat([self.down1(coeffs), self.connect_l1(l1_coeffs)], dim=1)
        h = torch.cat([self.down2(h), self.connect_l2(l2_coeffs)], dim=1)
        h = self.conv_out(swish(self.norm_out(self.mid(h))))
        return h, (l1_coeffs, l2_coeffs)


class Decoder(nn.Module):
    def __init__(self, cfg: WFVAEConfig):
        super().__init__()
        c, ef, nt = cfg.base_channels, cfg.decoder_energy_flow_hidden_size, cfg.norm_type
        n = cfg.decoder_num_resblocks
        self.ef = ef
        self.conv_in = CausalConv3d(cfg.latent_dim, 4 * c, 3, padding=1)
        mid: List[nn.Module] = [ResBlock3D(4 * c, 4 * c, nt)]
        if cfg.use_attention:
            mid.append(FrameAttention(4 * c, nt))
        mid.append(ResBlock3D(4 * c, 4 * c + ef, nt))
        self.mid = nn.Sequential(*mid)
        self.up2 = nn.Sequential(
            *[ResBlock3D(4 * c, 4 * c, nt) for _ in range(n)],
            SpaceTimeUp2x(4 * c, 4 * c, cfg.t_interpolation),
            ResBlock3D(4 * c, 4 * c + ef, nt),
        )
        self.up1 = nn.Sequential(
            *[ResBlock3D(4 * c if i == 0 else 2 * c, 2 * c, nt) for i in range(n)],
            SpatialUp2x(2 * c, 2 * c),
            ResBlock3D(2 * c, 2 * c, nt),
        )
        self.layer = nn.Sequential(ResBlock3D(2 * c, c, nt), ResBlock3D(c, c, nt))
        k = cfg.connect_res_layer_num
        self.connect_l1 = nn.Sequential(*[ResBlock3D(ef, ef, nt) for _ in range(k)], FrameConv2d(ef, 12, 3, padding=1))
        self.connect_l2 = nn.Sequential(*[ResBlock3D(ef, ef, nt) for _ in range(k)], FrameConv2d(ef, 24, 3, padding=1))
        self.norm_out = make_norm(c, nt)
        self.conv_out = FrameConv2d(c, 24, 3, padding=1)
        self.inverse_wavelet_transform_out = InverseHaar3D()
        self.inverse_wavelet_transform_l1 = InverseHaar2D()
        self.inverse_wavelet_transform_l2 = InverseHaar3D()

    def forward(self, z) -> Tuple[torch.Tensor, Tuple[torch.Tensor, torch.Tensor]]:
        h = self.mid(self.conv_in(z))
        ef = self.ef
        l2_coeffs = self.connect_l2(h[:, -ef:])
        h = self.up2(h[:, :-ef])
        l1_coeffs = self.connect_l1(h[:, -ef:])
        # the level-2 reconstruction refines the level-1 low band (energy flow)
        l1_coeffs = torch.cat([l1_coeffs[:, :3] + self.inverse_wavelet_transform_l2(l2_coeffs), l1_coeffs[:, 3:]], dim=1)
        l1 = self.inverse_wavelet_transform_l1(l1_coeffs)
        h = self.layer(self.up1(h[:, :-ef]))
        h = self.conv_out(swish(self.norm_out(h)))
        h = torch.cat([h[:, :3] + l1, h[:, 3:]], dim=1)
        return self.inverse_wavelet_transform_out(h), (l1_coeffs, l2_coeffs)


class WFVAE(nn.Module):
    """encode(x) -> (moments, (enc_l1, enc_l2)); decode(z) -> (x, (dec_l1, dec_l2)).
    moments = cat(mean, logvar) on channels; decode from mean for inference."""

    def __init__(self, cfg: WFVAEConfig):
        super().__init__()
        cfg.validate()
        self.config = cfg
        self.encoder = Encoder(cfg)
        self.decoder = Decoder(cfg)

    def encode(self, x):
        return self.encoder(x)

    def decode(self, z):
        return self.decoder(z)

    @staticmethod
    def split_moments(h: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        mean, logvar = h.chunk(2, dim=1)
        return mean, logvar.clamp(-30.0, 20.0)

    def forward(self, x, sample: bool = True):
        h, (enc_l1, enc_l2) = self.encode(x)
        mean, logvar = self.split_moments(h)
        z = mean + torch.exp(0.5 * logvar) * torch.randn_like(mean) if sample else mean
        rec, (dec_l1, dec_l2) = self.decode(z)
        return rec, mean, logvar, (enc_l1, dec_l1, enc_l2, dec_l2)

    def num_trainable_params(self) -> int:
        return sum(p.numel() for p in self.parameters() if p.requires_grad)
