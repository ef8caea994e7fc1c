"""One timed run of the training code's PyTorch WF-VAE (same layout and
semantics as the public reference) on a clip tensor, for `npm run bench`:
prints JSON with encode/decode seconds, the process's peak RSS and its RSS
after importing torch and loading the model (Python and torch alone hold
several hundred MB), and which BLAS library torch loaded.

  /usr/bin/python3 bench/torch_run.py MODEL_DIR CLIP.safetensors [--threads N]
"""
import argparse
import json
import os
import resource
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "training"))

import torch  # noqa: E402
from wfvae import load_pretrained  # noqa: E402
from wfvae.safetensors_io import load_file  # noqa: E402


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def blas_library() -> str:
    with open("/proc/self/maps") as f:
        libs = {line.split()[-1] for line in f if "blas" in os.path.basename(line.split()[-1])}
    return ", ".join(sorted(libs)) or "unknown"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("clip")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    model = load_pretrained(a.model).eval()
    x = load_file(a.clip)["input"].float()
    base = peak_mb()
    with torch.no_grad():
        t0 = time.perf_counter()
        h, _ = model.encode(x)
        mean, _ = model.split_moments(h)
        t1 = time.perf_counter()
        del h
        video, _ = model.decode(mean)
        t2 = time.perf_counter()
    print(json.dumps({
        "encodeSeconds": t1 - t0,
        "decodeSeconds": t2 - t1,
        "peakRssMB": peak_mb(),
        "baseRssMB": base,
        "outputShape": list(video.shape),
        "blas": blas_library(),
        "threads": a.threads,
    }))


if __name__ == "__main__":
    main()
