"""Summarises the short capacity comparison (training/experiments/capacity.json):
runs/cmp_same, cmp_deeper, cmp_wider, each started from the shipped model
and trained for the same CPU time (--max-cpu-minutes, 1 thread each, side
by side), validated at the start and at the end; vtest.avi is evaluated on
the final weights too.

Usage: /usr/bin/python3 training/experiments/summarise_capacity.py"""
import json
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import metrics  # noqa: E402
import videoio  # noqa: E402
from train import find_video, reconstruct, to_tensor  # noqa: E402
from wfvae import WFVAE, WFVAEConfig  # noqa: E402

RUNS = [("cmp_same", "same shape (base 24), resumed"), ("cmp_deeper", "deeper: 3/4 resblocks, identity blocks added"),
        ("cmp_wider", "wider: base 48 (Net2Net)")]


def main():
    torch.set_num_threads(2)
    root = os.path.join(os.path.dirname(HERE), "runs")
    data = os.path.join(os.path.dirname(HERE), "data")
    vt = to_tensor(videoio.load_eval_clip(find_video(data, "vtest.avi"), 256, 33))
    rows = []
    for name, label in RUNS:
        ck = torch.load(os.path.join(root, name, "latest.pt"), map_location="cpu")
        model = WFVAE(WFVAEConfig.from_dict(ck["config"]))
        model.load_state_dict(ck["model"])
        h = ck["history"]
        train_cpu = ck["args"]["max_cpu_minutes"] * 60  # training only: the limit excludes the first validation
        rows.append({"run": name, "label": label, "params": model.num_trainable_params(), "steps": ck["step"],
                     "psnr_start": h[0][3], "psnr_end": h[-1][3], "cpu_min": train_cpu / 60,
                     "cpu_s_per_step": train_cpu / max(1, ck["step"]),
                     "vtest_end": metrics.psnr(reconstruct(model.eval(), vt), vt)})
        print(json.dumps(rows[-1]))
    with open(os.path.join(HERE, "capacity.json"), "w") as f:
        json.dump({"protocol": "", "decision": "", "runs": rows}, f, indent=1)


if __name__ == "__main__":
    main()
