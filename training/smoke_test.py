"""CI smoke test for the training tools (< 60 s on 2 cores):
  1. a tiny WF-VAE trained for a few steps on a synthetic moving pattern:
     the training loss on a fixed batch must fall by at least 20%;
  2. the trained model round-trips through the reference layout: export to a
     temp folder, the safetensors header's keys/shapes equal the layout the
     module declares, config.json has the WFVAEModel key set, and reloading
     gives bit-identical outputs;
  3. the Haar low-pass initialisation reproduces the Haar low-pass baseline;
  4. a deeper model grown from the trained one (wfvae/grow.py) computes
     exactly the same, and the compact training state (state.py) round-trips
     weights and optimiser moments within F16 / BF16 rounding.
Run: /usr/bin/python3 training/smoke_test.py   (exit status 0 = pass)"""
import json
import math
import os
import sys
import tempfile
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from export import export_checkpoint  # noqa: E402
from train import losses, save_ckpt  # noqa: E402
from wfvae import WFVAE, WFVAEConfig, layout, load_pretrained  # noqa: E402
from wfvae.baseline import HaarLowpass  # noqa: E402
from state import load_state, save_state  # noqa: E402
from wfvae.grow import grow_deeper  # noqa: E402
from wfvae.init import haar_lowpass_init  # noqa: E402
from wfvae.safetensors_io import read_header  # noqa: E402

STEPS = 20
CONFIG_KEYS = [
    "_class_name", "attention_type", "base_channels", "connect_res_layer_num", "decoder_energy_flow_hidden_size",
    "decoder_num_resblocks", "dropout", "encoder_energy_flow_hidden_size", "encoder_num_resblocks",
    "l1_dowmsample_block", "l1_downsample_wavelet", "l1_upsample_block", "l1_upsample_wavelet",
    "l2_dowmsample_block", "l2_downsample_wavelet", "l2_upsample_block", "l2_upsample_wavelet", "latent_dim",
    "norm_type", "scale", "shift", "t_interpolation", "use_attention",
]


def moving_pattern(b: int, t: int, s: int, seed: int) -> torch.Tensor:
    """Smooth coloured blobs drifting across the frame, in [-1, 1]."""
    g = torch.Generator().manual_seed(seed)
    yy, xx = torch.meshgrid(torch.arange(s).float(), torch.arange(s).float(), indexing="ij")
    clips = []
    for _ in range(b):
        fx, fy, ph = (torch.rand(3, generator=g) * torch.tensor([0.3, 0.3, 6.28])).tolist()
        vx, vy = (torch.rand(2, generator=g) * 2 - 1).tolist()
        frames = []
        for i in range(t):
            base = torch.sin(fx * (xx - vx * i) + ph) * torch.cos(fy * (yy - vy * i))
            frames.append(torch.stack([base, base.roll(3, 1), -base]) * 0.8)
        clips.append(torch.stack(frames, dim=1))
    return torch.stack(clips)


def main() -> int:
    torch.set_num_threads(2)
    torch.manual_seed(0)
    t0 = time.time()
    cfg = WFVAEConfig(base_channels=8, encoder_energy_flow_hidden_size=8, decoder_energy_flow_hidden_size=8)
    model = WFVAE(cfg)
    x = moving_pattern(2, 9, 32, seed=1)

    # 1. loss falls
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=2e-3)
    torch.manual_seed(1)
    start, _ = losses(model, x, 1e-6, 0.1)
    for _ in range(STEPS):
        total, _ = losses(model, x, 1e-6, 0.1)
        opt.zero_grad()
        total.backward()
        opt.step()
    torch.manual_seed(1)
    end, _ = losses(model, x, 1e-6, 0.1)
    print(f"[smoke] loss {start.item():.4f} -> {end.item():.4f} after {STEPS} steps")
    assert math.isfinite(end.item()) and end.item() < 0.8 * start.item(), "training loss did not fall by 20%"

    # 2. checkpoint -> reference layout -> reload
    model.eval()
    with tempfile.TemporaryDirectory() as tmp:
        ckpt = os.path.join(tmp, "latest.pt")
        save_ckpt(ckpt, model, opt, STEPS, 0.0, {})
        out = os.path.join(tmp, "export")
        weights = export_checkpoint(ckpt, out)
        header = {k: tuple(v["shape"]) for k, v in read_header(weights).items() if k != "__metadata__"}
        assert header == layout(model), "exported keys/shapes differ from the module's layout"
        assert any(k.endswith("wavelet_transform_in.h_conv.conv.weight") for k in header), "Haar filters missing"
        with open(os.path.join(out, "config.json")) as f:
            assert list(json.load(f).keys()) == CONFIG_KEYS, "config.json key set differs from WFVAEModel's"
        again = load_pretrained(out)
        y = moving_pattern(1, 5, 32, seed=2)
        with torch.no_grad():
            h1, _ = model.encode(y)
            h2, _ = again.encode(y)
            r1, _ = model.decode(model.split_moments(h1)[0])
            r2, _ = again.decode(again.split_moments(h2)[0])
        assert torch.equal(h1, h2) and torch.equal(r1, r2), "reloaded model gives different outputs"
        print(f"[smoke] round trip: {len(header)} tensors, outputs identical")

    # 3. Haar low-pass initialisation == baseline codec
    fresh = WFVAE(WFVAEConfig(base_channels=8, encoder_energy_flow_hidden_size=12, decoder_energy_flow_hidden_size=12)).eval()
    haar_lowpass_init(fresh)
    with torch.no_grad():
        h, _ = fresh.encode(x)
        rec, _ = fresh.decode(fresh.split_moments(h)[0])
    err = (rec - HaarLowpass()(x)).abs().max().item()
    print(f"[smoke] Haar init vs low-pass baseline: max |diff| {err:.2e}")
    assert err < 1e-2, "Haar low-pass initialisation does not reproduce the baseline"

    # 4. growing deeper is exact; the compact state round-trips
    deeper = grow_deeper(model, WFVAEConfig.from_dict({**vars(cfg), "encoder_num_resblocks": 3, "decoder_num_resblocks": 3})).eval()
    y = moving_pattern(1, 5, 32, seed=4)
    with torch.no_grad():
        ra, _ = model.decode(model.split_moments(model.encode(y)[0])[0])
        rb, _ = deeper.decode(deeper.split_moments(deeper.encode(y)[0])[0])
    assert torch.equal(ra, rb), "the deeper grown model differs from its source"
    with tempfile.TemporaryDirectory() as tmp:
        ckpt = os.path.join(tmp, "latest.pt")
        save_ckpt(ckpt, model, opt, STEPS, 0.0, {"cpu_s": 1.0, "history": []})
        save_state(ckpt, os.path.join(tmp, "state"))
        st = load_state(os.path.join(tmp, "state"))
        assert st["step"] == STEPS and set(st["model"]) == set(model.state_dict())
        for k, v in model.state_dict().items():
            assert torch.allclose(st["model"][k], v, rtol=1e-3, atol=1e-4), f"state weight {k} off"
        ref = opt.state_dict()["state"]
        for i, s_ in st["opt"]["state"].items():
            assert torch.allclose(s_["exp_avg_sq"], ref[i]["exp_avg_sq"], rtol=1e-2, atol=0), f"state moment {i} off"
        again = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=2e-3)
        again.load_state_dict(st["opt"])
    print("[smoke] grown deeper model identical; compact state round trip OK")

    dt = time.time() - t0
    print(f"[smoke] OK in {dt:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
