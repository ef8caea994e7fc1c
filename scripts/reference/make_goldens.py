"""Makes the small reference goldens in test/fixtures/reference-goldens: models
the shared goldens do not cover (the 8x temporal WFVAEModel, a larger WFVAE2
with the options the tiny one leaves out), each a random-weight checkpoint in
the reference's own layout plus one safetensors file per case with the
reference's outputs, as ../shared/goldens holds them: `input`, `enc.h`
(encoder output: mean and logvar), `dec.x` (decoded from z = mean) and the
energy-flow coefficients (`enc.l1` ... for WFVAEModel, `enc.coeffs.N` ... for
WFVAE2Model).

The reference is the public PKU-YuanGroup/WF-VAE, imported at run time from a
checkout named by WFVAE_REFERENCE (nothing of it is kept in this repository):

    git --git-dir=<mirror> archive HEAD causalvideovae | tar -x -C /tmp/wfvae-ref
    WFVAE_REFERENCE=/tmp/wfvae-ref WFVAE_REFERENCE_COMMIT=<sha> \\
        /usr/bin/python3 scripts/reference/make_goldens.py [--verify ../shared/goldens]

Debian's python3-torch runs it; diffusers and einops, which the reference
imports and Debian does not ship, are replaced by scripts/reference/shims.py.
--verify first reruns the reference on every checkpoint of an existing golden
set and compares with its recorded outputs (the same procedure must reproduce
them), then writes the new set."""
import argparse
import json
import os
import subprocess
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
OUT = os.path.join(REPO, "test", "fixtures", "reference-goldens")
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(REPO, "training"))
import shims  # noqa: E402
from wfvae.safetensors_io import load_file, save_file  # noqa: E402  (our own reader/writer; the package is not in Debian)

EIGHT_X = {
    "l1_dowmsample_block": "Spatial2xTime2x3DDownsample",
    "l1_downsample_wavelet": "HaarWaveletTransform3D",
    "l1_upsample_block": "Spatial2xTime2x3DUpsample",
    "l1_upsample_wavelet": "InverseHaarWaveletTransform3D",
}

# Small on purpose: narrow widths, few frames, small frames. Each is what no other
# reference golden covers.
MODELS = {
    # WFVAEModel, 8x temporal (level 1 is a 3D Haar step too): T = 1 + 8k.
    "wfvae-8x-tiny": {
        "class": "WFVAEModel",
        "dtype": torch.float16,
        "seed": 81,
        "config": {
            "latent_dim": 4, "base_channels": 8, "encoder_num_resblocks": 1, "encoder_energy_flow_hidden_size": 8,
            "decoder_num_resblocks": 2, "decoder_energy_flow_hidden_size": 8, "attention_type": "AttnBlock3DFix",
            "use_attention": True, "dropout": 0.0, "norm_type": "layernorm", "t_interpolation": "trilinear",
            "connect_res_layer_num": 1, "scale": [0.18215] * 4, "shift": [0, 0, 0, 0],
            "l2_dowmsample_block": "Spatial2xTime2x3DDownsample", "l2_downsample_wavelet": "HaarWaveletTransform3D",
            "l2_upsample_block": "Spatial2xTime2x3DUpsample", "l2_upsample_wavelet": "InverseHaarWaveletTransform3D",
            **EIGHT_X,
        },
        "cases": [(1, 16, 24), (9, 16, 16), (17, 24, 16)],
    },
    # WFVAE2Model beyond wfvae2-tiny: 8x temporal (both levels 3D), a decoder wider
    # than the encoder (decoder_base_channels), more resblocks, latent_dim 16, wider
    # decoder energy flow, nearest time interpolation, non-square frames. (The older
    # AttnBlock3D, which mixes frames and channels, has a model of its own below.)
    "wfvae2-8x-wide": {
        "class": "WFVAE2Model",
        "dtype": torch.float16,
        "seed": 82,
        "config": {
            "latent_dim": 16, "base_channels": [8, 16, 24], "decoder_base_channels": [16, 24, 32],
            "layer_type": ["thw", "thw"], "layer_res_type": ["ResnetBlock3D", "ResnetBlock3D"],
            "encoder_num_resblocks": 3, "encoder_energy_flow_size": 8, "decoder_num_resblocks": 4,
            "decoder_energy_flow_size": 16, "dropout": 0.0, "norm_type": "layernorm", "t_interpolation": "nearest",
            "input_type": "video", "mid_layers_type": ["ResnetBlock3D", "AttnBlock3DFix", "ResnetBlock3D"],
            "scale": [0.18215] * 8, "shift": [0] * 8,
        },
        "cases": [(1, 16, 16), (9, 16, 24), (17, 24, 16)],
    },
    # The older AttnBlock3D in both mid blocks (WFVAEModel, layernorm otherwise): it
    # reshapes (B, C, T, H, W) to (B*T, C, H*W) without a permute, so its attention
    # rows hold several frames and the model cannot chunk exactly.
    "wfvae-attn3d-legacy": {
        "class": "WFVAEModel",
        "dtype": torch.float16,
        "seed": 83,
        "config": {
            "latent_dim": 4, "base_channels": 8, "encoder_num_resblocks": 1, "encoder_energy_flow_hidden_size": 8,
            "decoder_num_resblocks": 2, "decoder_energy_flow_hidden_size": 8, "attention_type": "AttnBlock3D",
            "use_attention": True, "dropout": 0.0, "norm_type": "layernorm", "t_interpolation": "trilinear",
            "connect_res_layer_num": 1, "scale": [0.18215] * 4, "shift": [0, 0, 0, 0],
        },
        "cases": [(1, 16, 16), (9, 16, 24), (17, 16, 16)],
    },
}


def reference_classes():
    root = os.environ.get("WFVAE_REFERENCE")
    if not root or not os.path.isdir(os.path.join(root, "causalvideovae")):
        sys.exit("set WFVAE_REFERENCE to a checkout of PKU-YuanGroup/WF-VAE (the folder holding causalvideovae/)")
    shims.install()
    sys.path.insert(0, root)
    from causalvideovae.model.vae.modeling_wfvae import WFVAEModel
    from causalvideovae.model.vae.modeling_wfvae2 import WFVAE2Model
    return root, {"WFVAEModel": WFVAEModel, "WFVAE2Model": WFVAE2Model}


def reference_commit(root):
    if os.environ.get("WFVAE_REFERENCE_COMMIT"):
        return os.environ["WFVAE_REFERENCE_COMMIT"]
    r = subprocess.run(["git", "-C", root, "rev-parse", "HEAD"], capture_output=True, text=True)
    return r.stdout.strip() if r.returncode == 0 else "unknown"


def run_reference(model, cls, x):
    """The reference's own encode and decode (z = mean) with every coefficient it returns."""
    with torch.no_grad():
        enc = model.encode(x)
        h = enc.latent_dist.parameters
        mean = torch.chunk(h, 2, dim=1)[0]
        dec = model.decode(mean)
    out = {"input": x, "enc.h": h, "dec.x": dec.sample}
    if cls == "WFVAEModel":
        out.update({"enc.l1": enc.extra_output[0], "enc.l2": enc.extra_output[1], "dec.l1": dec.extra_output[0], "dec.l2": dec.extra_output[1]})
    else:
        out.update({f"enc.coeffs.{i}": c for i, c in enumerate(enc.extra_output)})
        out.update({f"dec.coeffs.{i}": c for i, c in enumerate(dec.extra_output)})
    return {k: v.detach().float().contiguous() for k, v in out.items()}


def load_reference_model(classes, ckpt):
    config = json.load(open(os.path.join(ckpt, "config.json")))
    cls = config.pop("_class_name")
    config = {k: v for k, v in config.items() if not k.startswith("_")}
    model = classes[cls](**config).eval()
    weights = load_file(os.path.join(ckpt, "diffusion_pytorch_model.safetensors"))
    missing, unexpected = model.load_state_dict({k: v.float() for k, v in weights.items()}, strict=False)
    if missing or unexpected:
        raise SystemExit(f"{ckpt}: layout differs from the reference: missing {missing[:5]}, unexpected {unexpected[:5]}")
    return cls, model


def verify(classes, golden_root):
    manifest = json.load(open(os.path.join(golden_root, "manifest.json")))
    worst = 0.0
    for name, spec in manifest["models"].items():
        cls, model = load_reference_model(classes, os.path.join(golden_root, name))
        for case in spec["cases"]:
            recorded = load_file(os.path.join(golden_root, name, case["file"]))
            ours = run_reference(model, cls, recorded["input"].float())
            for k, v in recorded.items():
                err = (ours[k] - v.float()).abs().max().item()
                worst = max(worst, err)
                # float32 rounding of another torch build and BLAS, well below the 2e-4 parity tolerance
                if err > 1e-4:
                    raise SystemExit(f"verify: {name}/{case['file']} {k}: the reference here differs from the recorded golden by {err:.3g}")
        print(f"verify: {name}: every recorded output reproduced")
    print(f"verify: worst max |difference| {worst:.2e}")
    return {"goldens": os.path.basename(os.path.normpath(golden_root)), "models": sorted(manifest["models"]), "worst_max_abs_difference": worst}


def perturb(model, gen):
    """Random weights, as the shared goldens have them: the reference's own init for
    convolutions, norm scales around 1 and small biases (so no layer is an identity);
    the Haar filters stay the reference's own."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "wavelet" in name:
                continue
            if name.endswith("norm.weight") or (".norm" in name and name.endswith(".weight") and p.dim() == 1):
                p.copy_(1 + 0.2 * torch.randn(p.shape, generator=gen))
            elif name.endswith(".bias"):
                p.copy_(0.05 * torch.randn(p.shape, generator=gen))


def make(classes, name, spec):
    torch.manual_seed(spec["seed"])
    gen = torch.Generator().manual_seed(spec["seed"])
    cls = spec["class"]
    model = classes[cls](**spec["config"]).eval()
    perturb(model, gen)
    # The stored dtype is what the app reads: run the reference on exactly those weights.
    state = {k: v.detach().to(spec["dtype"]).contiguous() for k, v in model.state_dict().items()}
    model.load_state_dict({k: v.float() for k, v in state.items()})
    folder = os.path.join(OUT, name)
    os.makedirs(folder, exist_ok=True)
    save_file(state, os.path.join(folder, "diffusion_pytorch_model.safetensors"))
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump({"_class_name": cls, **spec["config"]}, f, indent=2, sort_keys=True)
        f.write("\n")
    cases = []
    for t, h, w in spec["cases"]:
        x = torch.rand((1, 3, t, h, w), generator=gen) * 2 - 1
        out = run_reference(model, cls, x)
        file = f"t{t}_{h}x{w}.safetensors"
        save_file(out, os.path.join(folder, file))
        cases.append({"file": file, "input_shape": list(x.shape), "enc_shape": list(out["enc.h"].shape),
                      "dec_shape": list(out["dec.x"].shape), "dec_abs_max": out["dec.x"].abs().max().item()})
        print(f"{name}/{file}: enc.h {tuple(out['enc.h'].shape)}, dec.x {tuple(out['dec.x'].shape)}")
    params = sum(p.numel() for p in model.parameters())
    return {"class": cls, "weights_dtype": {torch.float16: "F16", torch.bfloat16: "BF16", torch.float32: "F32"}[spec["dtype"]],
            "params": params, "seed": spec["seed"], "cases": cases}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--verify", metavar="GOLDENS", help="first reproduce an existing golden set (e.g. ../shared/goldens)")
    args = ap.parse_args()
    torch.set_num_threads(2)
    root, classes = reference_classes()
    verified = verify(classes, args.verify) if args.verify else None
    models = {name: make(classes, name, spec) for name, spec in MODELS.items()}
    manifest = {
        "note": "Reference goldens the shared set does not cover, made by scripts/reference/make_goldens.py: the public reference run on random weights (stored as weights_dtype) on seeded uniform inputs in [-1, 1].",
        "reference": {"repository": "github.com/PKU-YuanGroup/WF-VAE", "commit": reference_commit(root),
                      "files": ["causalvideovae/model/vae/modeling_wfvae.py", "causalvideovae/model/vae/modeling_wfvae2.py", "causalvideovae/model/modules/"]},
        "torch": torch.__version__,
        "reproduced_shared_goldens": verified,
        "models": models,
    }
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
