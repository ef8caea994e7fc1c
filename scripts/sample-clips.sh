#!/usr/bin/env bash
# Real footage for the tests that need it (the reference-pipeline test): the
# sample videos Debian's opencv-doc package ships (OpenCV's tree.avi,
# vtest.avi and Megamind.avi, under OpenCV's licence), unpacked from the
# package into a private folder; nothing is installed system-wide. The .deb
# comes from apt's cache when it is there, else `apt-get download` (needs the
# package lists, as after `apt-get update`).
#
#   scripts/sample-clips.sh [dest]      (default: .cache/sample-clips in the repository)
#
# Prints the folder. Exit 0: ready; 3: the package could not be had.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
dest="${1:-$root/.cache/sample-clips}"
clips=(tree.avi vtest.avi Megamind.avi)

have=1
for c in "${clips[@]}"; do [ -f "$dest/$c" ] || have=0; done
if [ "$have" = 1 ]; then
  echo "$dest"
  exit 0
fi
command -v dpkg-deb >/dev/null || { echo "sample-clips: needs dpkg-deb (Debian or a derivative)" >&2; exit 3; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
deb="$(ls /var/cache/apt/archives/opencv-doc_*_all.deb 2>/dev/null | tail -1 || true)"
if [ -z "$deb" ]; then
  (cd "$work" && apt-get download -qq opencv-doc >/dev/null 2>&1) || { echo "sample-clips: apt-get download opencv-doc failed (run apt-get update first, or install opencv-doc)" >&2; exit 3; }
  deb="$(ls "$work"/opencv-doc_*.deb | tail -1)"
fi
dpkg-deb -x "$deb" "$work/root"
mkdir -p "$dest"
for c in "${clips[@]}"; do cp "$work/root/usr/share/doc/opencv-doc/examples/data/$c" "$dest/$c"; done
echo "$dest"
