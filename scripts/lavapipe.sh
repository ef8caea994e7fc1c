#!/usr/bin/env bash
# Unpacks Mesa's software Vulkan driver (lavapipe) from Debian's
# bookworm-backports suite into a private folder, so WebGPU code paths can be
# tested on a machine without a GPU. Nothing is installed system-wide: apt runs
# with its own lists and cache (no root needed), packages are unpacked with
# dpkg -x, and the environment that points the Vulkan loader at the driver is
# written to <dest>/env for the processes that test the GPU path only.
# Debian 12's own Mesa (22) is too old for Dawn; backports has 25.
#
#   scripts/lavapipe.sh [dest]      (default: .cache/lavapipe in the repository)
#
# Prints the folder. Exit 0: ready; 3: the Debian archive could not be reached.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
dest="${1:-$root/.cache/lavapipe}"
mirror="${WFVAE_DEBIAN_MIRROR:-http://deb.debian.org/debian}"

if [ -f "$dest/env" ]; then
  echo "$dest"
  exit 0
fi
command -v apt-get >/dev/null && command -v dpkg >/dev/null || { echo "lavapipe: needs apt-get and dpkg (Debian or a derivative)" >&2; exit 3; }

mkdir -p "$(dirname "$dest")"
work="$(mktemp -d "$dest.partial-XXXXXX")"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/debs" "$work/root"
printf 'deb %s bookworm main\ndeb %s bookworm-backports main\n' "$mirror" "$mirror" >"$work/sources.list"

apt=(-o "Dir::Etc::SourceList=$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
  -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o Dir::State::status=/dev/null
  -o Debug::NoLocking=1 -o APT::Default-Release=bookworm-backports -o APT::Sandbox::User=root)

if ! apt-get "${apt[@]}" -qq update >"$work/update.log" 2>&1 || grep -qE '^(E|Err):' "$work/update.log"; then
  echo "lavapipe: cannot reach the Debian archive at $mirror (bookworm, bookworm-backports):" >&2
  sed 's/^/  /' "$work/update.log" >&2
  exit 3
fi

# The driver and everything it links against, at backports' versions where
# backports has them; the C runtime stays the system's own.
pkgs=$(apt-cache "${apt[@]}" depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
  --no-replaces --no-enhances mesa-vulkan-drivers | grep -v '^[ <]' | sort -u |
  grep -vxE 'libc6|libgcc-s1|libstdc\+\+6|gcc-[0-9]+-base|zlib1g|liblzma5')
(cd "$work/debs" && apt-get "${apt[@]}" -qq download $pkgs) || { echo "lavapipe: downloading $pkgs failed" >&2; exit 3; }
for deb in "$work"/debs/*.deb; do dpkg -x "$deb" "$work/root"; done

lib="$(find "$work/root" -name libvulkan_lvp.so | head -1)"
[ -n "$lib" ] || { echo "lavapipe: mesa-vulkan-drivers has no libvulkan_lvp.so" >&2; exit 1; }
libdir="$(dirname "$lib")"
# Written with the final paths: the folder is renamed into place below.
final_lib="$dest/${lib#"$work/"}"
final_libdir="$dest/${libdir#"$work/"}"
cat >"$work/lvp_icd.json" <<EOF
{ "file_format_version": "1.0.0", "ICD": { "library_path": "$final_lib", "api_version": "1.4.305" } }
EOF
cat >"$work/env" <<EOF
VK_ICD_FILENAMES=$dest/lvp_icd.json
LD_LIBRARY_PATH=$final_libdir
EOF
dpkg-deb -f "$work"/debs/mesa-vulkan-drivers_*.deb Version >"$work/version"
rm -rf "$work/debs" "$work/cache" "$work/lists"
trap - EXIT
rm -rf "$dest"
mv "$work" "$dest"
echo "$dest"
