"""An outside estimate of what half precision costs a model: the training code's
PyTorch module (independent of the ONNX graphs) run in float32 with its
weights rounded to float16 and every module's output rounded to float16 (what
storing weights and activations in half does; norms' statistics and attention
logits stay float32, as in the app's fp16 graphs), against plain float32 on a
golden case: the encoder's mean, and the decoder's video from the float32 mean.

usage: /usr/bin/python3 test/helpers/torch_fp16_emulation.py CKPT CASE.safetensors
prints {"mean": {"maxAbs", "psnr"}, "video": {"maxAbs", "psnr"}, "maxFanIn"}; PSNR with the range taken as 2;
maxFanIn is the longest inner product of any convolution (input channels x kernel volume): half-precision
accumulation over N terms adds a rounding error that typically grows as sqrt(N) (Higham, Accuracy and
Stability of Numerical Algorithms, 3.1 and 3.5), which the rounding of stored values alone does not show."""
import json
import math
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "training"))
from wfvae import load_pretrained  # noqa: E402
from wfvae.safetensors_io import load_file  # noqa: E402


def to_half(v):
    if isinstance(v, torch.Tensor) and v.is_floating_point():
        return v.half().float()
    if isinstance(v, tuple):
        return tuple(to_half(x) for x in v)
    if isinstance(v, list):
        return [to_half(x) for x in v]
    return v


def deviation(a, b):
    mse = (a - b).pow(2).mean().item()
    return {"maxAbs": (a - b).abs().max().item(), "psnr": math.inf if mse == 0 else 10 * math.log10(4 / mse)}


def main(ckpt, case):
    torch.set_num_threads(2)
    x = load_file(case)["input"].float()
    ref = load_pretrained(ckpt).eval()
    half = load_pretrained(ckpt).eval()
    with torch.no_grad():
        for p in half.parameters():
            p.copy_(p.half().float())
    for m in half.modules():
        m.register_forward_hook(lambda _m, _i, out: to_half(out))
    with torch.no_grad():
        mean32, _ = ref.split_moments(ref.encode(x)[0])
        mean16, _ = half.split_moments(half.encode(to_half(x))[0])
        video32 = ref.decode(mean32)[0]
        video16 = half.decode(to_half(mean32))[0]
    fan_in = max(int(p[0].numel()) for n, p in ref.named_parameters() if n.endswith("weight") and p.dim() >= 4 for p in [p])
    print(json.dumps({"mean": deviation(mean16, mean32), "video": deviation(video16, video32), "maxFanIn": fan_in}))


if __name__ == "__main__":
    main(*sys.argv[1:3])
