"""Haar low-pass initialisation.

Sets a freshly built WF-VAE so that, before any training, it is (almost
exactly) the Haar low-pass codec: the encoder puts the coarsest low-low-low
band of its 3-level Haar analysis (the level-2 energy-flow input) into latent
channels 0..2 (divided by LOWPASS_SCALE), and the decoder routes those latent
channels through its level-2 energy-flow output back into that band. Every
other output (detail subbands, backbone residual) starts at zero, so the
networks learn a correction on top of the low-pass reconstruction instead of
starting from noise.

The one non-linear point on the encoder path is norm_out (LayerNorm over
channels) followed by swish. Two facts keep it near-linear:
  * each low-pass value a is carried twice, as +a and -a, and swish(u) -
    swish(-u) == u exactly, so conv_out reads a linear function of a;
  * the remaining channels hold constant +K/-K pairs, so the LayerNorm mean is
    exactly 0 and its std varies by < 0.2% with a (|a| <= 16 for inputs in
    [-1, 1]).
"""
import math

import torch

from .model import WFVAE

LOWPASS_SCALE = 1.0  # latent channels 0..2 hold the LLL band itself: weights on this path stay O(1), so Adam steps of size lr barely move it
K = 64.0  # large against |a| <= 16, so the LayerNorm std moves < 0.3%
LOGVAR_INIT = -10.0  # posterior std 0.0067: sampling barely perturbs the start


def _zero(*tensors):
    for t in tensors:
        t.zero_()


@torch.no_grad()
def haar_lowpass_init(model: WFVAE) -> None:
    cfg = model.config
    c, L = cfg.base_channels, cfg.latent_dim
    ef_e, ef_d = cfg.encoder_energy_flow_hidden_size, cfg.decoder_energy_flow_hidden_size
    wide = 4 * c
    if ef_e < 3 or ef_d < 3 or wide < 8 or L < 3 or not cfg.use_attention:
        raise ValueError("haar_lowpass_init needs energy-flow widths >= 3, base_channels >= 2, latent_dim >= 3, attention on")
    if 2 * c + ef_e == wide:
        raise ValueError("haar_lowpass_init needs encoder_energy_flow_hidden_size != 2 * base_channels "
                         "(it uses the channel-changing shortcut of the encoder's first mid block)")
    enc, dec = model.encoder, model.decoder

    # encoder: level-2 LLL (l2 coeff channels 0..2) -> energy-flow channels 0..2
    w = enc.connect_l2.weight
    w[:3] = 0
    enc.connect_l2.bias[:3] = 0
    for i in range(3):
        w[i, i, 1, 1] = 1.0 / LOWPASS_SCALE
    # mid.0 shortcut: +a, -a on channels 0..5, constant +-K pairs elsewhere
    sc = enc.mid[0].nin_shortcut.conv
    _zero(sc.weight, sc.bias)
    for i in range(3):
        sc.weight[i, 2 * c + i] = 1.0
        sc.weight[3 + i, 2 * c + i] = -1.0
    for j in range(6, wide):
        sc.bias[j] = K if (j - 6) % 2 == 0 else -K
    # residual branches start closed
    _zero(enc.mid[0].conv2.conv.weight, enc.mid[0].conv2.conv.bias)
    _zero(enc.mid[1].proj_out.conv.weight, enc.mid[1].proj_out.conv.bias)
    _zero(enc.mid[2].conv2.conv.weight, enc.mid[2].conv2.conv.bias)
    # conv_out: mean_i = std0 * (swish(+a/std) - swish(-a/std)) ~= a
    std0 = K * math.sqrt((wide - 6) / wide)
    co = enc.conv_out.conv
    co.weight[:3] = 0
    co.bias[:3] = 0
    for i in range(3):
        co.weight[i, i, 2, 1, 1] = std0
        co.weight[i, 3 + i, 2, 1, 1] = -std0
    co.weight[L:] = 0  # logvar
    co.bias[L:] = LOGVAR_INIT

    # decoder: latent 0..2 -> conv_in 0..2 -> mid -> energy-flow channels 0..2
    ci = dec.conv_in.conv
    ci.weight[:3] = 0
    ci.bias[:3] = 0
    for i in range(3):
        ci.weight[i, i, 2, 1, 1] = 1.0
    _zero(dec.mid[0].conv2.conv.weight, dec.mid[0].conv2.conv.bias)
    _zero(dec.mid[1].proj_out.conv.weight, dec.mid[1].proj_out.conv.bias)
    _zero(dec.mid[2].conv2.conv.weight, dec.mid[2].conv2.conv.bias)
    sc = dec.mid[2].nin_shortcut.conv
    sc.weight[wide : wide + 3] = 0
    sc.bias[wide : wide + 3] = 0
    for i in range(3):
        sc.weight[wide + i, i] = 1.0
    # connect_l2: identity residual block, then only the LLL band, rescaled
    _zero(dec.connect_l2[0].conv2.conv.weight, dec.connect_l2[0].conv2.conv.bias)
    out = dec.connect_l2[-1]
    _zero(out.weight, out.bias)
    for i in range(3):
        out.weight[i, i, 1, 1] = LOWPASS_SCALE
    # level-1 coefficients and the full-resolution output start at zero
    _zero(dec.connect_l1[-1].weight, dec.connect_l1[-1].bias)
    _zero(dec.conv_out.weight, dec.conv_out.bias)
