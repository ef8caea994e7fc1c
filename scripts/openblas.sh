#!/usr/bin/env bash
# Unpacks Debian's OpenBLAS (pthread build) into a private folder, so the
# benchmark can run the PyTorch reference once against the system's default
# BLAS (netlib, unless OpenBLAS is installed) and once against OpenBLAS, by
# pointing LD_LIBRARY_PATH at this folder for that process only. Nothing is
# installed system-wide.
#
#   scripts/openblas.sh [dest]      (default: .cache/openblas in the repository)
#
# Prints the library folder (holding libblas.so.3 and liblapack.so.3). Exit 3: the archive cannot be reached.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
dest="${1:-$root/.cache/openblas}"
mirror="${WFVAE_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
if [ -f "$dest/libdir" ]; then cat "$dest/libdir"; exit 0; fi
command -v apt-get >/dev/null && command -v dpkg >/dev/null || { echo "openblas: needs apt-get and dpkg" >&2; exit 3; }

mkdir -p "$(dirname "$dest")"
work="$(mktemp -d "$dest.partial-XXXXXX")"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/debs" "$work/root"
printf 'deb %s bookworm main\n' "$mirror" >"$work/sources.list"
apt=(-o "Dir::Etc::SourceList=$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
  -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o Dir::State::status=/dev/null
  -o Debug::NoLocking=1 -o APT::Sandbox::User=root)
apt-get "${apt[@]}" -qq update >"$work/update.log" 2>&1 || { echo "openblas: cannot reach the Debian archive at $mirror" >&2; exit 3; }
(cd "$work/debs" && apt-get "${apt[@]}" -qq download libopenblas0-pthread libgfortran5) || { echo "openblas: download failed" >&2; exit 3; }
for deb in "$work"/debs/*.deb; do dpkg -x "$deb" "$work/root"; done
blas="$(find "$work/root" -path '*openblas-pthread*' -name 'libblas.so.3' | head -1)"
[ -n "$blas" ] || { echo "openblas: libopenblas0-pthread has no libblas.so.3" >&2; exit 1; }
libdir="$dest/$(dirname "${blas#"$work/"}")"
gfortran="$dest/$(dirname "$(find "$work/root" -name 'libgfortran.so.5' | head -1)" | sed "s#^$work/##")"
echo "$libdir:$gfortran" >"$work/libdir"
rm -rf "$work/debs" "$work/cache" "$work/lists"
trap - EXIT
rm -rf "$dest"
mv "$work" "$dest"
cat "$dest/libdir"
