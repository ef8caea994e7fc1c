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

Runs are resumable and meant to outlive a session: checkpoints
runs/<name>/latest.pt (raw + EMA weights, optimiser) every --ckpt-minutes,
runs/<name>/best.pt at each validation-PSNR record (the EMA or raw weights,
whichever validated better), SIGTERM/SIGINT -> finish the step, validate,
checkpoint, exit; an optional wall-clock deadline (--deadline-utc) with a
cosine learning-rate decay over its last --decay-hours.

Start, in order of precedence: runs/<name>/latest.pt; --resume-state DIR
(a compact state written by state.py, e.g. training/state); --init-from
(a model folder or checkpoint, grown to this config where it is deeper or
twice as wide: wfvae/grow.py); the Haar low-pass initialisation.

Usage: nice -n 10 /usr/bin/python3 training/train.py --name main [options]
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
import state as compact_state  # noqa: E402
from wfvae import WFVAE, WFVAEConfig, load_pretrained  # noqa: E402
from wfvae.baseline import HaarLowpass  # noqa: E402
from wfvae.grow import grow_deeper, grow_wider  # noqa: E402
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
    """Atomic: a reader (or a kill) never sees a half-written file."""
    tmp = path + ".tmp"
    torch.save({"model": model.state_dict(), "opt": opt.state_dict() if opt is not None else None, "step": step,
                "elapsed_s": elapsed, "config": json.loads(model.config.to_json()), **extra}, tmp)
    os.replace(tmp, path)


def initial_model(cfg: WFVAEConfig, init_from: str, init: str, log) -> WFVAE:
    """The model a new run starts from: grown from a trained one, or Haar
    low-pass / default initialisation."""
    if not init_from:
        model = WFVAE(cfg)
        if init == "haar":
            haar_lowpass_init(model)
        return model
    if os.path.isdir(init_from):
        src = load_pretrained(init_from)
    else:
        ck = torch.load(init_from, map_location="cpu")
        src = WFVAE(WFVAEConfig.from_dict(ck["config"]))
        src.load_state_dict(ck["model"])
    if src.config.base_channels != cfg.base_channels:
        if cfg.base_channels != 2 * src.config.base_channels:
            sys.exit(f"--init-from: base_channels {src.config.base_channels} -> {cfg.base_channels}: only doubling is supported")
        src = grow_wider(src)
        log(f"init: {init_from} widened to base_channels {cfg.base_channels} (Net2Net duplication)")
    if (src.config.encoder_num_resblocks, src.config.decoder_num_resblocks) != (cfg.encoder_num_resblocks, cfg.decoder_num_resblocks):
        src = grow_deeper(src, cfg)
        log(f"init: {init_from} deepened to {cfg.encoder_num_resblocks}/{cfg.decoder_num_resblocks} resblocks (identity blocks)")
    if json.loads(src.config.to_json()) != json.loads(cfg.to_json()):
        sys.exit(f"--init-from {init_from}: its config cannot be grown into the requested one")
    log(f"init: from {init_from}")
    return src.train()


class Ema:
    """Exponential moving average of the weights: the usual stand-in for a
    learning-rate decay when the stopping time is not known in advance."""

    def __init__(self, model: WFVAE, decay: float):
        self.decay = decay
        self.model = WFVAE(model.config)
        self.model.load_state_dict(model.state_dict())
        self.model.eval()

    @torch.no_grad()
    def update(self, model: WFVAE, step: int) -> None:
        d = min(self.decay, (1 + step) / (10 + step))  # short memory early in a run
        for e, p in zip(self.model.parameters(), model.parameters()):
            if p.requires_grad:
                e.mul_(d).add_(p.detach(), alpha=1 - d)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--name", default="main")
    ap.add_argument("--runs", default=os.path.join(HERE, "runs"))
    ap.add_argument("--data", default=os.path.join(HERE, "data"))
    ap.add_argument("--base-channels", type=int, default=24)
    ap.add_argument("--ef", type=int, default=32, help="energy-flow width (encoder and decoder)")
    ap.add_argument("--enc-blocks", type=int, default=2, help="encoder_num_resblocks")
    ap.add_argument("--dec-blocks", type=int, default=2, help="decoder_num_resblocks")
    ap.add_argument("--init", choices=["haar", "default"], default="haar")
    ap.add_argument("--init-from", help="model folder or checkpoint to start a new run from (grown to this config)")
    ap.add_argument("--resume-state", help="compact state folder (state.py) to start a new run from, e.g. training/state")
    ap.add_argument("--ema", type=float, default=0.999, help="EMA decay of the weights (0: off)")
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--kl-weight", type=float, default=1e-6)
    ap.add_argument("--wl-weight", type=float, default=0.1)
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--frames", default="9,9,9,17", help="clip lengths drawn at random per step")
    ap.add_argument("--crop", type=int, default=96, help="crop side for 9-frame clips (17-frame clips use 2/3 of it)")
    ap.add_argument("--photo-fraction", type=float, default=0.3, help="share of clips synthesised from photographs")
    ap.add_argument("--max-steps", type=int, default=10**9)
    ap.add_argument("--max-minutes", type=float, default=1e9, help="stop after this much wall time (this process)")
    ap.add_argument("--max-cpu-minutes", type=float, default=1e9, help="stop after this much CPU time (this process, all threads)")
    ap.add_argument("--ckpt-minutes", type=float, default=4.0)
    ap.add_argument("--val-minutes", type=float, default=10.0)
    ap.add_argument("--val-every-steps", type=int, default=0, help="also validate every N steps (0: time-based only)")
    ap.add_argument("--deadline-utc", help="YYYY-MM-DDTHH:MM (UTC): checkpoint and stop then")
    ap.add_argument("--decay-hours", type=float, default=0.0,
                    help="cosine-decay the learning rate to lr/10 over this many hours before --deadline-utc")
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

    cfg = WFVAEConfig(base_channels=args.base_channels, encoder_energy_flow_hidden_size=args.ef, decoder_energy_flow_hidden_size=args.ef,
                      encoder_num_resblocks=args.enc_blocks, decoder_num_resblocks=args.dec_blocks)
    step, elapsed, cpu_before, best, ema_state = 0, 0.0, 0.0, -1.0, None
    history = []  # (step, elapsed_s, cpu_s, val psnr raw, val psnr ema) of every validation
    if os.path.exists(ckpt_path):
        ck = torch.load(ckpt_path, map_location="cpu")
        if ck["config"] != json.loads(cfg.to_json()):
            sys.exit(f"{ckpt_path} was trained with a different config; use another --name")
        model = WFVAE(cfg)
        model.load_state_dict(ck["model"])
        step, elapsed, best = ck["step"], ck["elapsed_s"], ck.get("best_val_psnr", -1.0)
        cpu_before, ema_state, history = ck.get("cpu_s", 0.0), ck.get("ema"), ck.get("history", [])
        opt_state = ck["opt"]
        log(f"resumed from {ckpt_path} at step {step} ({elapsed / 60:.1f} min trained, {cpu_before / 60:.1f} CPU-min)")
    elif args.resume_state:
        st = compact_state.load_state(args.resume_state)
        if st["config"] != json.loads(cfg.to_json()):
            sys.exit(f"{args.resume_state} holds a different config: {st['config']}")
        model = WFVAE(cfg)
        model.load_state_dict(st["model"])
        step, elapsed, best = st["step"], st["elapsed_s"], st.get("best_val_psnr", -1.0)
        cpu_before, history, opt_state = st.get("cpu_s", 0.0), st.get("history", []), st["opt"]
        log(f"new run {args.name} from the compact state {args.resume_state}: step {step} ({elapsed / 60:.1f} min trained)")
        log(f"args: {json.dumps(vars(args))}")
    else:
        model = initial_model(cfg, args.init_from, args.init, log)
        opt_state = None
        log(f"new run: {json.dumps(vars(args))}")
        log(f"params {model.num_trainable_params()} trainable; config {cfg.to_json().replace(chr(10), ' ')}")
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=args.lr, betas=(0.9, 0.99), weight_decay=1e-4)
    if opt_state is not None:
        opt.load_state_dict(opt_state)
    ema = Ema(model, args.ema) if args.ema > 0 else None
    if ema is not None and ema_state is not None:
        ema.model.load_state_dict(ema_state)

    sampler = ClipSampler(os.path.join(args.data, "clips.safetensors"), photo_fraction=args.photo_fraction, seed=args.seed + step)
    val_path = find_video(args.data, sampler.val_name)
    val = to_tensor(videoio.load_eval_clip(val_path, 256, 33))
    base_psnr = metrics.psnr(HaarLowpass()(val), val)
    log(f"validation clip {sampler.val_name} {tuple(val.shape)}; Haar low-pass baseline PSNR {base_psnr:.3f} dB")

    deadline = None
    if args.deadline_utc:
        deadline = datetime.datetime.strptime(args.deadline_utc, "%Y-%m-%dT%H:%M").replace(tzinfo=datetime.timezone.utc).timestamp()
        log(f"deadline {args.deadline_utc} UTC ({(deadline - time.time()) / 3600:.1f} h from now), lr decay over the last {args.decay_hours} h")
    decay = (deadline - args.decay_hours * 3600, deadline) if deadline and args.decay_hours > 0 else None
    first_step = step

    def lr_at(step_: int) -> float:
        # warm-up at the start of every process: a resumed or grown model
        # meets a fresh (or compacted) optimiser state gently
        lr_ = args.lr * min(1.0, (step_ - first_step + 1) / args.warmup)
        if decay:
            u = min(1.0, max(0.0, (time.time() - decay[0]) / max(1.0, decay[1] - decay[0])))
            lr_ *= 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * u))
        return lr_

    stop = {"now": False}

    def on_term(signum, frame):  # finish the step, checkpoint, exit
        stop["now"] = True

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    # finish.sh finds the process here (and knows it stopped when the file goes)
    pid_path = os.path.join(run_dir, "train.pid")
    with open(pid_path, "w") as f:
        f.write(f"{os.getpid()}\n")

    frames = [int(f) for f in args.frames.split(",")]
    model.train()
    t_start = time.time() - elapsed
    cpu_start = time.process_time() - cpu_before
    last_ckpt = last_val = time.time()
    run_start, run_cpu_start = time.time(), time.process_time()
    acc, n_acc, t_acc = {}, 0, time.time()

    def cpu_s() -> float:
        return time.process_time() - cpu_start

    def extra() -> dict:
        return {"best_val_psnr": best, "cpu_s": cpu_s(), "history": history,
                "ema": ema.model.state_dict() if ema is not None else None, "args": vars(args)}

    def validate():
        """PSNR of the raw and the EMA weights on the validation clip; a new
        record goes to best.pt (only the weights that made it)."""
        nonlocal best
        p_raw = metrics.psnr(reconstruct(model, val), val)
        p_ema = metrics.psnr(reconstruct(ema.model, val), val) if ema is not None else float("nan")
        history.append([step, time.time() - t_start, cpu_s(), p_raw, p_ema])
        log(f"step {step} VAL psnr {p_raw:.3f} dB, EMA {p_ema:.3f} dB (baseline {base_psnr:.3f}; "
            f"{(time.time() - t_start) / 3600:.2f} h, {cpu_s() / 3600:.2f} CPU-h)")
        which, p, weights = ("ema", p_ema, ema.model) if ema is not None and p_ema > p_raw else ("raw", p_raw, model)
        if p > best:
            best = p
            save_ckpt(os.path.join(run_dir, "best.pt"), weights, None, step, time.time() - t_start,
                      {"val_psnr": p, "best_val_psnr": best, "weights": which, "cpu_s": cpu_s(), "history": history, "args": vars(args)})
        return p

    def should_stop() -> str:
        if stop["now"]:
            return "signal received"
        if step >= args.max_steps:
            return "--max-steps reached"
        if (time.time() - run_start) / 60 >= args.max_minutes:
            return "--max-minutes reached"
        if (time.process_time() - run_cpu_start) / 60 >= args.max_cpu_minutes:
            return "--max-cpu-minutes reached"
        if deadline and time.time() >= deadline:
            return "deadline reached"
        return ""

    if not history or history[-1][0] != step:
        validate()
    # the time limits count training, not the first validation
    run_start, run_cpu_start, last_val = time.time(), time.process_time(), time.time()
    while True:
        t = frames[step % len(frames)] if len(set(frames)) > 1 else frames[0]
        s = args.crop if t <= 9 else (args.crop * 2 // 3) // 8 * 8
        reason = should_stop()
        if reason:
            log(f"step {step}: {reason}, validating, checkpointing and stopping")
            break
        x = sampler.batch(args.batch, t, s)
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
        if ema is not None:
            ema.update(model, step)
        for k, v in parts.items():
            acc[k] = acc.get(k, 0.0) + v
        n_acc += 1
        if step % 25 == 0:
            dt = (time.time() - t_acc) / n_acc
            log(f"step {step} " + " ".join(f"{k} {v / n_acc:.5f}" for k, v in acc.items()) + f" gnorm {gn:.3f} lr {lr:.2e} {dt:.2f}s/step"
                f" cpu {cpu_s() / 3600:.3f}h")
            acc, n_acc, t_acc = {}, 0, time.time()
        if (args.val_every_steps and step % args.val_every_steps == 0) or time.time() - last_val > args.val_minutes * 60:
            validate()
            last_val = time.time()
        if time.time() - last_ckpt > args.ckpt_minutes * 60:
            save_ckpt(ckpt_path, model, opt, step, time.time() - t_start, extra())
            last_ckpt = time.time()
    p = validate() if history[-1][0] != step else max(v for v in history[-1][3:] if v == v)
    save_ckpt(ckpt_path, model, opt, step, time.time() - t_start, {**extra(), "val_psnr": p})
    log(f"stopped at step {step}, {(time.time() - t_start) / 60:.1f} min trained ({cpu_s() / 60:.1f} CPU-min), "
        f"last val {p:.3f} dB, best {best:.3f} dB; checkpoint {ckpt_path}")
    if os.path.exists(pid_path):
        os.remove(pid_path)


if __name__ == "__main__":
    main()
