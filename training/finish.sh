#!/usr/bin/env bash
# Ends a background training run and ships its result, in one go:
#   1. stops the run cleanly: SIGTERM, then waits while it finishes its step,
#      validates and writes its checkpoint (a few minutes on busy cores);
#   2. exports the best weights by validation PSNR (runs/<name>/best.pt) as
#      F16 (Haar taps F32) into a scratch folder;
#   3. evaluates them with training/evaluate.py AND the app
#      (`wfvae reconstruct --frames 33 --size 256 --json`) on the validation
#      clip and vtest.avi, and fails unless both agree (PSNR within 0.01 dB,
#      SSIM within 0.001);
#   4. measures the F32 / F16 / BF16 storage cost (storage_precision.py);
#   5. only then replaces resources/models/wfvae-demo (weights, config,
#      regenerated MODEL_CARD.md) and training/state (the one resumable state
#      kept in git: latest weights F16 + AdamW moments BF16, from latest.pt);
#   6. runs the demo-model unit test (size bound, layout, beats Haar low-pass).
# Nothing in the repository changes unless every check passed (a failed
# demo-model test puts the previous model and state back).
#
# Usage: training/finish.sh [--name main] [--keep-running] [--commit]
#   --keep-running  do not stop the run: ship a snapshot of its current
#                   best.pt / latest.pt and leave it going (to test this script)
#   --commit        git-commit the new model, card and state as one commit
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
cd "$repo"
PY=/usr/bin/python3
name=main
keep=0
commit=0
while [ $# -gt 0 ]; do
  case "$1" in
    --name) name="$2"; shift 2 ;;
    --keep-running) keep=1; shift ;;
    --commit) commit=1; shift ;;
    -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
    *) echo "finish.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
run="$here/runs/$name"
model_dir="$repo/resources/models/wfvae-demo"
state_dir="$here/state"
say() { echo "[finish $(date -u +%H:%M:%S)] $*"; }
[ -d "$run" ] || { echo "finish.sh: no run folder $run (is --name right?)" >&2; exit 1; }

# --- 1. stop the run --------------------------------------------------------
pid=""
[ -f "$run/train.pid" ] && pid="$(cat "$run/train.pid")"
if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && ps -p "$pid" -o args= | grep -q "train.py"; then
  if [ "$keep" = 1 ]; then
    say "run $name (pid $pid) keeps going (--keep-running): shipping a snapshot of its checkpoints"
  else
    say "stopping run $name (pid $pid): SIGTERM, waiting for its last validation and checkpoint"
    kill -TERM "$pid"
    waited=0
    while kill -0 "$pid" 2>/dev/null; do
      sleep 10
      waited=$((waited + 10))
      if [ $((waited % 120)) = 0 ]; then say "still finishing ($waited s): $(tail -n 1 "$run/train.log")"; fi
      if [ "$waited" -ge 3600 ]; then echo "finish.sh: pid $pid did not stop within an hour; look at $run/train.log" >&2; exit 1; fi
    done
    say "stopped: $(tail -n 1 "$run/train.log")"
  fi
else
  say "run $name is not running; using its checkpoints as they are"
fi
for f in best.pt latest.pt; do
  [ -f "$run/$f" ] || { echo "finish.sh: $run/$f is missing" >&2; exit 1; }
done

# --- 2. export into a scratch folder ----------------------------------------
work="$(mktemp -d "${TMPDIR:-/tmp}/wfvae-finish.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cp "$run/best.pt" "$work/best.pt"      # snapshots: a running job may rewrite them
cp "$run/latest.pt" "$work/latest.pt"
nice -n 10 $PY "$here/export.py" --ckpt "$work/best.pt" --out "$work/model" --dtype f16

# --- 3. evaluate: PyTorch and the app ---------------------------------------
val="$(find "$here/data/pkgs" -name balle-jbart.mp4 | sort | head -n 1)"
vtest="$(find "$here/data/pkgs" -name vtest.avi | sort | head -n 1)"
[ -n "$val" ] && [ -n "$vtest" ] || { echo "finish.sh: clips missing: run training/fetch_data.sh" >&2; exit 1; }
say "evaluate.py on $(basename "$val") and $(basename "$vtest")"
nice -n 10 $PY "$here/evaluate.py" --model "$work/model" --video "$val" "$vtest" --size 256 --frames 33 --json "$work/eval.json"
: > "$work/app.jsonl"
for clip in "$val" "$vtest"; do
  say "the app: wfvae reconstruct $(basename "$clip") --frames 33 --size 256 --json"
  nice -n 10 npm run -s wfvae -- reconstruct "$clip" --frames 33 --size 256 --json --model "$work/model" > "$work/app.json"
  $PY -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))))' "$work/app.json" >> "$work/app.jsonl"
done
$PY - "$work/eval.json" "$work/app.jsonl" <<'EOF'
import json, os, sys
ev = {r["video"]: r["model"] for r in json.load(open(sys.argv[1]))["results"]}
bad = []
for line in open(sys.argv[2]):
    a = json.loads(line)
    name = os.path.basename(a["video"])
    e = ev[name]
    dp, ds = abs(a["psnr"] - e["psnr"]), abs(a["ssim"] - e["ssim"])
    print(f"  {name:18s} evaluate.py {e['psnr']:.4f} dB / {e['ssim']:.5f}   app {a['psnr']:.4f} dB / {a['ssim']:.5f}   |d| {dp:.4f} / {ds:.5f}")
    if dp > 0.01 or ds > 1e-3:
        bad.append(name)
if bad:
    sys.exit(f"evaluate.py and the app disagree on {bad}: nothing was replaced")
EOF

# --- 4. storage precision ---------------------------------------------------
say "storage precision (F32 / F16 / BF16) on $(basename "$val")"
nice -n 10 $PY "$here/storage_precision.py" --ckpt "$work/best.pt" --video "$val" --json "$work/precision.json"

# --- 5. replace the model, the card and the state ---------------------------
nice -n 10 $PY "$here/state.py" --ckpt "$work/latest.pt" --out "$work/state"
$PY "$here/write_model_card.py" --ckpt "$work/best.pt" --eval "$work/eval.json" --app "$work/app.jsonl" \
  --precision "$work/precision.json" --model-dir "$work/model"
# the measurements behind the card, kept beside the run (git-ignored)
mkdir -p "$run/finish"
cp "$work/eval.json" "$work/app.jsonl" "$work/precision.json" "$work/model/MODEL_CARD.md" "$run/finish/"
# keep the current model and state until the test below has passed
mkdir -p "$work/backup/model" "$work/backup/state"
cp -a "$model_dir/." "$work/backup/model/"
[ -d "$state_dir" ] && cp -a "$state_dir/." "$work/backup/state/"
restore() {
  echo "finish.sh: a check failed: restoring the previous model and state" >&2
  rm -rf "$model_dir" "$state_dir"
  mkdir -p "$model_dir"
  cp -a "$work/backup/model/." "$model_dir/"
  if [ -n "$(ls -A "$work/backup/state")" ]; then mkdir -p "$state_dir" && cp -a "$work/backup/state/." "$state_dir/"; fi
  rm -rf "$work"
}
trap restore ERR
cp "$work/model/config.json" "$work/model/diffusion_pytorch_model.safetensors" "$work/model/MODEL_CARD.md" "$model_dir/"
rm -rf "$state_dir"
mkdir -p "$state_dir"
cp "$work/state/"* "$state_dir/"
say "model: $(du -h "$model_dir/diffusion_pytorch_model.safetensors" | cut -f1), state: $(du -sh "$state_dir" | cut -f1)"

# --- 6. the demo-model test -------------------------------------------------
say "npx vitest run test/unit/demo-model"
nice -n 10 npx vitest run test/unit/demo-model
trap - ERR

step="$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["step"])' "$state_dir/state.json")"
summary="$($PY -c '
import json, sys
rows = json.load(open(sys.argv[1]))["results"]
print(", ".join("%s %.2f dB" % (r["video"], r["model"]["psnr"]) for r in rows))' "$work/eval.json")"
msg="wfvae-demo: export of run $name (best by validation PSNR; $summary) and its resumable state at step $step"
if [ "$commit" = 1 ]; then
  git add -A "$model_dir" "$state_dir"
  git commit -q -m "$msg"
  say "committed: $msg"
else
  say "done. To commit: git add -A resources/models/wfvae-demo training/state && git commit -m \"$msg\""
fi
