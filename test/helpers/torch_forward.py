"""Runs a WFVAEModel checkpoint through the training code's own PyTorch module
(an implementation written independently of the ONNX graph builder) and
writes its outputs, so the graphs can be cross-checked on configurations that
have no reference golden.

usage: /usr/bin/python3 test/helpers/torch_forward.py CKPT_DIR INPUT.safetensors OUT.safetensors
(INPUT holds `input` (1,3,T,H,W); OUT gets enc.h, enc.l1, enc.l2, dec.x, dec.l1, dec.l2.)"""
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "training"))
from wfvae import load_pretrained  # noqa: E402
from wfvae.safetensors_io import load_file, save_file  # noqa: E402


def main(ckpt: str, inp: str, out: str) -> None:
    torch.manual_seed(0)
    model = load_pretrained(ckpt)
    x = load_file(inp)["input"].float()
    with torch.no_grad():
        h, (enc_l1, enc_l2) = model.encode(x)
        mean, _ = model.split_moments(h)
        rec, (dec_l1, dec_l2) = model.decode(mean)
    tensors = {"enc.h": h, "enc.l1": enc_l1, "enc.l2": enc_l2, "dec.x": rec, "dec.l1": dec_l1, "dec.l2": dec_l2}
    save_file({k: v.contiguous() for k, v in tensors.items()}, out)


if __name__ == "__main__":
    main(*sys.argv[1:4])
