#!/usr/bin/env bash
# Makes huggingface_hub importable by Debian's python3 for the cache
# cross-check test (test/unit/hub/python-crosscheck.test.ts), without
# installing anything system-wide and without the network: the wheels are
# unpacked from a local wheel folder (WFVAE_PYTHON_WHEELS, default
# /opt/pypi/files, where this project's machines keep them) into a private
# folder that the test puts on PYTHONPATH. Debian bookworm has no
# python3-huggingface-hub package.
#
#   scripts/hf-hub-python.sh [dest]      (default: .cache/hf-hub-python in the repository)
#
# Prints the folder. Exit 0: ready; 3: no wheel folder with huggingface_hub here.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
dest="${1:-$root/.cache/hf-hub-python}"
wheels="${WFVAE_PYTHON_WHEELS:-/opt/pypi/files}"
py="${WFVAE_TEST_PYTHON:-/usr/bin/python3}"

if [ -f "$dest/.ready" ]; then
  echo "$dest"
  exit 0
fi
command -v unzip >/dev/null || { echo "hf-hub-python: needs unzip" >&2; exit 3; }
[ -x "$py" ] || { echo "hf-hub-python: no $py" >&2; exit 3; }

# The newest wheel of a distribution in the folder (names as pip normalises them).
pick() {
  ls "$wheels"/"$1"-[0-9]*.whl 2>/dev/null | sort -V | tail -n 1
}
hub="$(ls "$wheels"/huggingface_hub-1.*.whl 2>/dev/null | sort -V | tail -n 1 || true)"
[ -n "$hub" ] || { echo "hf-hub-python: no huggingface_hub 1.x wheel in $wheels" >&2; exit 3; }

mkdir -p "$(dirname "$dest")"
work="$(mktemp -d "$dest.partial-XXXXXX")"
trap 'rm -rf "$work"' EXIT
unzip -q -o "$hub" -d "$work"
# huggingface_hub's run-time dependencies (pure Python, plus PyYAML's CPython 3.11 build).
for dist in filelock fsspec httpx httpcore h11 anyio sniffio idna certifi packaging tqdm typing_extensions click; do
  whl="$(pick "$dist")"
  [ -n "$whl" ] || { echo "hf-hub-python: no $dist wheel in $wheels" >&2; exit 3; }
  unzip -q -o "$whl" -d "$work"
done
ver="$("$py" -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')"
yaml="$(ls "$wheels"/pyyaml-*-"$ver"-"$ver"-manylinux*x86_64*.whl 2>/dev/null | sort -V | tail -n 1 || true)"
if [ -n "$yaml" ]; then unzip -q -o "$yaml" -d "$work"; fi
PYTHONPATH="$work" "$py" -c 'import huggingface_hub, yaml' 2>/dev/null || { echo "hf-hub-python: huggingface_hub does not import with $py" >&2; exit 3; }
touch "$work/.ready"
rm -rf "$dest"
mv "$work" "$dest"
trap - EXIT
echo "$dest"
