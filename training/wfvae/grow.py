"""Starts a bigger WF-VAE from a trained smaller one.

deeper (more encoder/decoder resblocks, same widths): the new residual blocks
  are appended to each run of blocks with their last convolution at zero, so
  each is the identity and the grown model computes exactly what the source
  computed (checked by smoke_test.py; on the shipped model: 34.259 dB
  before and after, balle-jbart.mp4 at 256/33).

wider (base_channels doubled, energy-flow widths kept): Net2Net-style. Every
  backbone channel is duplicated; a layer reading duplicated channels splits
  each weight between the two copies at a random ratio (so the copies get
  different gradients and can drift apart), which keeps its output unchanged.
  A channel LayerNorm over duplicated channels sees the same mean and
  variance, so it is unchanged too; attention queries are scaled by 1/sqrt(2)
  because q.k doubles while the softmax scale shrinks only by sqrt(2).
  Not exact at the three LayerNorms that span backbone AND energy-flow
  channels (encoder mid.0.norm1, decoder mid.2.norm2 and up2[-1].norm2):
  there the energy-flow channels' share of the mean and variance halves.
  Keeping those exact would need the energy-flow widths doubled too, which
  does not fit the 40 MiB bound at 16 bits. On the shipped model: 34.242
  dB after widening vs 34.259 before.
"""
import math
import re
from typing import Dict, List, Optional, Tuple

import torch

from .model import WFVAE, WFVAEConfig

Key = str


def _block_runs(cfg: WFVAEConfig) -> Dict[str, Tuple[int, int]]:
    """Sequential containers with a run of resblocks: name -> (index of the
    first block, number of blocks) for this config."""
    ne, nd = cfg.encoder_num_resblocks, cfg.decoder_num_resblocks
    return {"encoder.down1": (1, ne), "encoder.down2": (1, ne), "decoder.up2": (0, nd), "decoder.up1": (0, nd)}


def _depth_map(src: WFVAEConfig, dst: WFVAEConfig):
    """dst key -> src key (None: a new identity block)."""
    runs_s, runs_d = _block_runs(src), _block_runs(dst)

    def mapper(key: Key) -> Optional[Key]:
        for prefix, (first, n_d) in runs_d.items():
            if key.startswith(prefix + "."):
                rest = key[len(prefix) + 1:]
                m = re.match(r"(\d+)\.(.*)", rest)
                i, tail = int(m.group(1)), m.group(2)
                _, n_s = runs_s[prefix]
                if i < first + n_s:
                    return key
                if i < first + n_d:
                    return None
                return f"{prefix}.{i - (n_d - n_s)}.{tail}"
        return key

    return mapper


def grow_deeper(src: WFVAE, dst_cfg: WFVAEConfig, seed: int = 0) -> WFVAE:
    s = src.config
    same = {k: v for k, v in vars(s).items() if k not in ("encoder_num_resblocks", "decoder_num_resblocks")}
    if any(getattr(dst_cfg, k) != v for k, v in same.items()):
        raise ValueError("grow_deeper changes only encoder_num_resblocks / decoder_num_resblocks")
    if dst_cfg.encoder_num_resblocks < s.encoder_num_resblocks or dst_cfg.decoder_num_resblocks < s.decoder_num_resblocks:
        raise ValueError("grow_deeper cannot remove blocks")
    torch.manual_seed(seed)
    dst = WFVAE(dst_cfg)
    ssd, dsd = src.state_dict(), dst.state_dict()
    mapper = _depth_map(s, dst_cfg)
    out = {}
    for k, v in dsd.items():
        sk = mapper(k)
        if sk is None:
            # a new block: default init, but its last conv at zero -> identity
            out[k] = torch.zeros_like(v) if ".conv2." in k else v
        else:
            if tuple(ssd[sk].shape) != tuple(v.shape):
                raise ValueError(f"{k} <- {sk}: shape {tuple(ssd[sk].shape)} != {tuple(v.shape)}")
            out[k] = ssd[sk].clone()
    dst.load_state_dict(out)
    return dst


def _channel_map(n_src: int, n_dst: int, ef: int) -> List[int]:
    """dst channel -> src channel along one dimension: unchanged, all
    duplicated ([x, x]) or backbone duplicated then energy flow ([x, x, e])."""
    if n_dst == n_src:
        return list(range(n_src))
    if n_dst == 2 * n_src:
        return list(range(n_src)) * 2
    nb = n_src - ef
    if nb > 0 and n_dst == 2 * nb + ef:
        return list(range(nb)) * 2 + list(range(nb, n_src))
    raise ValueError(f"cannot map {n_src} channels to {n_dst} (energy flow {ef})")


def grow_wider(src: WFVAE, seed: int = 0, split: float = 0.25) -> WFVAE:
    s = src.config
    d = WFVAEConfig.from_dict({**vars(s), "base_channels": 2 * s.base_channels})
    torch.manual_seed(seed)
    dst = WFVAE(d)
    ssd, dsd = src.state_dict(), dst.state_dict()
    g = torch.Generator().manual_seed(seed)
    out = {}
    for k, v in dsd.items():
        w = ssd[k]
        if tuple(w.shape) == tuple(v.shape):
            out[k] = w.clone()
            continue
        ef = s.encoder_energy_flow_hidden_size if k.startswith("encoder.") else s.decoder_energy_flow_hidden_size
        omap = _channel_map(w.shape[0], v.shape[0], ef)
        y = w[omap]
        if w.dim() > 1:
            imap = _channel_map(w.shape[1], v.shape[1], ef)
            y = y[:, imap].clone()
            # split each weight read from a duplicated input channel between
            # its two copies: a*w and (1-a)*w, a in [split, 1-split]
            copies: Dict[int, List[int]] = {}
            for j, i in enumerate(imap):
                copies.setdefault(i, []).append(j)
            pairs = [c for c in copies.values() if len(c) == 2]
            if pairs:
                cols_a = torch.tensor([c[0] for c in pairs])
                cols_b = torch.tensor([c[1] for c in pairs])
                a = split + (1 - 2 * split) * torch.rand(y.shape[0], len(pairs), *y.shape[2:], generator=g)
                y[:, cols_a] = y[:, cols_a] * a
                y[:, cols_b] = y[:, cols_b] * (1 - a)
        out[k] = y.contiguous()
    for k in list(out):
        if re.search(r"\.mid\.1\.q\.conv\.(weight|bias)$", k):
            out[k] = out[k] / math.sqrt(2.0)
    dst.load_state_dict(out)
    return dst
