"""Trains a small WF-VAE on CPU, checkpointing to training/runs/<name>/ and
resuming from the latest checkpoint there automatically.

Losses (as in the WF-VAE paper, minus the perceptual and adversarial terms,
which need pretrained networks that cannot be downloaded here):
  L1(x, x_rec)
  + kl_weight * KL(q(z|x) || N(0, I)), summed over latent elements and
    divided by the number of pixel values per sample (the reference's
    sum-reduced KL with weight 1e-6 against a sum-reduced L1, re-expressed
    for a mean-reduced L1)
  + wl_weight * (L1(enc.l1, dec.l1) + L1(enc.l2, dec.l2))   (wavelet loss)

Usage: nice -n 19 /usr/bin/python3 training/train.py --name main
"""
import argparse
import glob
import json
import datetime
import math
import os
import signal
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import metrics  # noqa: E402
import videoio  # noqa: E402
from data_sampler import ClipSampler  # noqa: E402
from wfvae import WFVAE, WFVAEConfig  # noqa: E402
from wfvae.baseline import HaarLowpass  # noqa: E402
from wfvae.init import haar_lowpass_init  # noqa: E402


def find_video(data_dir: str, name: str) -> str:
    hits = [p for p in glob.glob(os.path.join(data_dir, "pkgs", "**", name), recursive=True)]
    if not hits:
        raise FileNotFoundError(f"{name} not found under {data_dir}/pkgs: run training/fetch_data.sh")
    return sorted(hits)[0]


def to_tensor(v) -> torch.Tensor:
    return torch.from_numpy(v.copy()).permute(3, 0, 1, 2)[None].float() / 127.5 - 1.0


def losses(model: WFVAE, x: torch.Tensor, kl_weight: float, wl_weight: float):
    rec, mean, logvar, (el1, dl1, el2, dl2) = model(x, sample=True)
    l1 = (rec - x).abs().mean()
    kl = 0.5 * (mean.pow(2) + logvar.exp() - 1.0 - logvar).sum() / x.shape[0] / x[0].numel()
    wl = (el1 - dl1).abs().mean() + (el2 - dl2).abs().mean()
    total = l1 + kl_weight * kl + wl_weight * wl
    return total, {"l1": l1.item(), "kl": kl.item(), "wl": wl.item(), "total": total.item()}


@torch.no_grad()
def reconstruct(model: WFVAE, x: torch.Tensor) -> torch.Tensor:
    was = model.training
    model.eval()
    h, _ = model.encode(x)
    mean, _ = model.split_moments(h)
    rec, _ = model.decode(mean)
    model.train(was)
    return rec


def save_ckpt(path: str, model, opt, step: int, elapsed: float, extra: dict) -> None:
    tmp = path + ".tmp"
    torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "step": step, "elapsed_s": elapsed,
                "config": json.loads(model.config.to_json()), **extra}, tmp)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--name", default="main")
    ap.add_argument("--runs", default=os.path.join(HERE, "runs"))
    ap.add_argument("--data", default=os.path.join(HERE, "data"))
    ap.add_argument("--base-channels", type=int, default=24)
    ap.add_argument("--ef", type=int, default=32, help="energy-flow width (encoder and decoder)")
    ap.add_argument("--init", choices=["haar", "default"], default="haar")
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--kl-weight", type=float, default=1e-6)
    ap.add_argument("--wl-weight", type=float, default=0.1)
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--frames", default="9,9,9,17", help="clip lengths drawn at random per step")
    ap.add_argument("--crop", type=int, default=96, help="crop side for 9-frame clips (17-frame clips use 2/3 of it)")
    ap.add_argument("--photo-fraction", type=float, default=0.3, help="share of clips synthesised from photographs")
    ap.add_argument("--max-steps", type=int, default=10**9)
    ap.add_argument("--max-minutes", type=float, default=1e9)
    ap.add_argument("--ckpt-minutes", type=float, default=4.0)
    ap.add_argument("--val-minutes", type=float, default=10.0)
    ap.add_argument("--val-every-steps", type=int, default=0, help="also validate every N steps (0: time-based only)")
    ap.add_argument("--decay-start-utc", help="HH:MM (UTC, today): start a cosine decay of the learning rate to lr/10 ...")
    ap.add_argument("--decay-end-utc", help="... reaching lr/10 at HH:MM (UTC); wall-clock based, to land a good model by a deadline")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    run_dir = os.path.join(args.runs, args.name)
    os.makedirs(run_dir, exist_ok=True)
    log_path = os.path.join(run_dir, "train.log")
    ckpt_path = os.path.join(run_dir, "latest.pt")

    def log(msg: str) -> None:
        line = f"{time.strftime('%H:%M:%S')} {msg}"
        print(line, flush=True)
        with open(log_path, "a") as f:
            f.write(line + "\n")

    cfg = WFVAEConfig(base_channels=args.base_channels, encoder_energy_flow_hidden_size=args.ef, decoder_energy_flow_hidden_size=args.ef)
    model = WFVAE(cfg)
    if args.init == "haar":
        haar_lowpass_init(model)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=args.lr, betas=(0.9, 0.99), weight_decay=1e-4)
    step, elapsed, best = 0, 0.0, -1.0
    if os.path.exists(ckpt_path):
        ck = torch.load(ckpt_path, map_location="cpu")
        if ck["config"] != json.loads(cfg.to_json()):
            sys.exit(f"{ckpt_path} was trained with a different config; use another --name")
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        step, elapsed, best = ck["step"], ck["elapsed_s"], ck.get("best_val_psnr", -1.0)
        log(f"resumed from {ckpt_path} at step {step} ({elapsed / 60:.1f} min trained)")
    else:
        log(f"new run: {json.dumps(vars(args))}")
        log(f"params {model.num_trainable_params()} trainable; config {cfg.to_json().replace(chr(10), ' ')}")

    sampler = ClipSampler(os.path.join(args.data, "clips.safetensors"), photo_fraction=args.photo_fraction, seed=args.seed + step)
    val_path = find_video(args.data, sampler.val_name)
    val = to_tensor(videoio.load_eval_clip(val_path, 256, 33))
    base_psnr = metrics.psnr(HaarLowpass()(val), val)
    log(f"validation clip {sampler.val_name} {tuple(val.shape)}; Haar low-pass baseline PSNR {base_psnr:.3f} dB")

    def utc_today(hhmm: str) -> float:
        h, m = (int(v) for v in hhmm.split(":"))
        now = datetime.datetime.now(datetime.timezone.utc)
        return now.replace(hour=h, minute=m, second=0, microsecond=0).timestamp()

    decay = (utc_today(args.decay_start_utc), utc_today(args.decay_end_utc)) if args.decay_start_utc and args.decay_end_utc else None

    def lr_at(step_: int) -> float:
        lr_ = args.lr * min(1.0, (step_ + 1) / args.warmup)
        if decay:
            u = min(1.0, max(0.0, (time.time() - decay[0]) / max(1.0, decay[1] - decay[0])))
            lr_ *= 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * u))
        return lr_

    stop = {"now": False}

    def on_term(signum, frame):  # finish the step, checkpoint, exit
        stop["now"] = True

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)

    frames = [int(f) for f in args.frames.split(",")]
    model.train()
    t_start = time.time() - elapsed
    last_ckpt = last_val = time.time()
    run_start = time.time()
    acc, n_acc, t_acc = {}, 0, time.time()

    def validate():
        nonlocal best
        p = metrics.psnr(reconstruct(model, val), val)
        log(f"step {step} VAL psnr {p:.3f} dB (baseline {base_psnr:.3f})")
        if p > best:
            best = p
            save_ckpt(os.path.join(run_dir, "best.pt"), model, opt, step, time.time() - t_start, {"val_psnr": p, "best_val_psnr": best})
        return p

    if step == 0:
        validate()
    while step < args.max_steps and (time.time() - run_start) / 60 < args.max_minutes:
        t = frames[step % len(frames)] if len(set(frames)) > 1 else frames[0]
        s = args.crop if t <= 9 else (args.crop * 2 // 3) // 8 * 8
        x = sampler.batch(args.batch, t, s)
        if stop["now"]:
            log(f"step {step}: signal received, checkpointing and stopping")
            break
        lr = lr_at(step)
        for g in opt.param_groups:
            g["lr"] = lr
        total, parts = losses(model, x, args.kl_weight, args.wl_weight)
        opt.zero_grad(set_to_none=True)
        total.backward()
        gn = torch.nn.utils.clip_grad_norm_(params, 1.0).item()
        if not math.isfinite(gn):
            log(f"step {step}: non-finite gradient, step skipped")
            continue
        opt.step()
        step += 1
        for k, v in parts.items():
            acc[k] = acc.get(k, 0.0) + v
        n_acc += 1
        if step % 25 == 0:
            dt = (time.time() - t_acc) / n_acc
            log(f"step {step} " + " ".join(f"{k} {v / n_acc:.5f}" for k, v in acc.items()) + f" gnorm {gn:.3f} lr {lr:.2e} {dt:.2f}s/step")
            acc, n_acc, t_acc = {}, 0, time.time()
        if (args.val_every_steps and step % args.val_every_steps == 0) or time.time() - last_val > args.val_minutes * 60:
            validate()
            last_val = time.time()
        if time.time() - last_ckpt > args.ckpt_minutes * 60:
            save_ckpt(ckpt_path, model, opt, step, time.time() - t_start, {"best_val_psnr": best})
            last_ckpt = time.time()
    p = validate()
    save_ckpt(ckpt_path, model, opt, step, time.time() - t_start, {"best_val_psnr": best, "val_psnr": p})
    log(f"stopped at step {step}, {(time.time() - t_start) / 60:.1f} min trained, last val {p:.3f} dB, best {best:.3f} dB")


if __name__ == "__main__":
    main()
