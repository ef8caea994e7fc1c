"""One compact, resumable training state that fits in git (training/state/):
  state.safetensors  model.<key>  the raw training weights, F16 (the Haar
                                  taps F32; F16 storage costs ~0.0002 dB on
                                  the validation clip, see the model card)
                     opt.<i>.exp_avg, opt.<i>.exp_avg_sq   AdamW moments, BF16
                                  (BF16 keeps F32's exponent range: the
                                  second moments go down to ~1e-12)
  state.json         step, wall and CPU time trained, best validation PSNR,
                     validation history, config, optimiser hyper-parameters,
                     the arguments of the run
The EMA weights are not kept (they restart from the raw weights); the best
weights are the exported model itself.

Write: /usr/bin/python3 training/state.py --ckpt training/runs/main/latest.pt --out training/state
Resume: training/train.py --name NEW --resume-state training/state [same model options]"""
import argparse
import json
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from wfvae.checkpoint import storage_dtypes  # noqa: E402
from wfvae.safetensors_io import load_file, save_file  # noqa: E402

WEIGHTS, META = "state.safetensors", "state.json"


def save_state(ckpt_path: str, out_dir: str) -> int:
    ck = torch.load(ckpt_path, map_location="cpu")
    if ck.get("opt") is None:
        raise SystemExit(f"{ckpt_path} holds no optimiser state (best.pt does not): use latest.pt")
    sd = ck["model"]
    kinds = storage_dtypes(sd, torch.float16)
    tensors = {f"model.{k}": v.to(kinds[k]) for k, v in sd.items()}
    opt = ck["opt"]
    steps = {}
    for i, st in opt["state"].items():
        tensors[f"opt.{i}.exp_avg"] = st["exp_avg"].to(torch.bfloat16)
        tensors[f"opt.{i}.exp_avg_sq"] = st["exp_avg_sq"].to(torch.bfloat16)
        steps[str(i)] = float(st["step"])
    meta = {k: ck.get(k) for k in ("step", "elapsed_s", "cpu_s", "best_val_psnr", "history", "config", "args")}
    # The run's folders relative to training/, so the state names no machine's paths.
    if isinstance(meta["args"], dict):
        meta["args"] = {k: os.path.relpath(v, HERE) if k in ("runs", "data") and isinstance(v, str) and os.path.isabs(v) else v
                        for k, v in meta["args"].items()}
    meta["param_groups"] = opt["param_groups"]
    meta["opt_steps"] = steps
    meta["from"] = os.path.relpath(ckpt_path, os.path.dirname(out_dir))
    os.makedirs(out_dir, exist_ok=True)
    tmp = os.path.join(out_dir, WEIGHTS + ".tmp")
    save_file(tensors, tmp, metadata={"format": "wfvae-training-state"})
    os.replace(tmp, os.path.join(out_dir, WEIGHTS))
    with open(os.path.join(out_dir, META), "w") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")
    return os.path.getsize(os.path.join(out_dir, WEIGHTS))


def load_state(folder: str) -> dict:
    """{model, opt (a torch optimiser state_dict), step, elapsed_s, cpu_s, best_val_psnr, history, config, args}"""
    with open(os.path.join(folder, META)) as f:
        meta = json.load(f)
    t = load_file(os.path.join(folder, WEIGHTS))
    model = {k[len("model."):]: v.float() for k, v in t.items() if k.startswith("model.")}
    state = {}
    for i, n in meta["opt_steps"].items():
        state[int(i)] = {"step": torch.tensor(n), "exp_avg": t[f"opt.{i}.exp_avg"].float(),
                         "exp_avg_sq": t[f"opt.{i}.exp_avg_sq"].float()}
    return {**meta, "model": model, "opt": {"state": state, "param_groups": meta["param_groups"]}}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", default=os.path.join(HERE, "runs", "main", "latest.pt"))
    ap.add_argument("--out", default=os.path.join(HERE, "state"))
    args = ap.parse_args()
    size = save_state(args.ckpt, args.out)
    print(f"wrote {args.out}/{WEIGHTS} ({size / 2**20:.1f} MiB) and {META}")


if __name__ == "__main__":
    main()
