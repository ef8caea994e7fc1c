#!/usr/bin/env bash
# Fetches the training material: real videos and photographs shipped inside
# Debian packages. Each package is downloaded alone (`apt-get download`, no
# dependencies) and unpacked with `dpkg -x` under training/data/pkgs/<name>.
# Packages that are missing from this Debian release, or that carry no video
# or image, are reported and skipped: the script carries on with the rest.
set -u
here="$(cd "$(dirname "$0")" && pwd)"
data="$here/data"
debs="$data/debs"
pkgs="$data/pkgs"
mkdir -p "$debs" "$pkgs"

video_packages=(opencv-doc python3-mecavideo planetblupi-common kphotoalbum openboard-common openshot-qt)
photo_packages=(gnome-backgrounds plasma-workspace-wallpapers mate-backgrounds)

video_re='\.(avi|mp4|mkv|webm|ogv|ogg|mov|mpg|mpeg|m4v|flv|wmv)$'
photo_re='\.(jpg|jpeg|png|webp)$'

fetch_one() {
  local name="$1" kind="$2" re="$3"
  if ! apt-cache show "$name" >/dev/null 2>&1; then
    echo "[fetch] $name: not in this Debian release, skipped"
    return 0
  fi
  if ! ls "$debs/${name}_"*.deb >/dev/null 2>&1; then
    (cd "$debs" && apt-get download "$name" >/dev/null 2>&1) || {
      echo "[fetch] $name: apt-get download failed, skipped"
      return 0
    }
  fi
  local deb
  deb="$(ls "$debs/${name}_"*.deb | head -n1)"
  if [ ! -d "$pkgs/$name" ]; then
    dpkg -x "$deb" "$pkgs/$name" || { echo "[fetch] $name: dpkg -x failed, skipped"; return 0; }
  fi
  local n
  n="$(find "$pkgs/$name" -type f | grep -Eic "$re" || true)"
  if [ "$n" = "0" ]; then
    echo "[fetch] $name: unpacked, but it holds no $kind file"
  else
    echo "[fetch] $name: $n $kind file(s)"
  fi
}

for p in "${video_packages[@]}"; do fetch_one "$p" video "$video_re"; done
for p in "${photo_packages[@]}"; do fetch_one "$p" photo "$photo_re"; done

# Manifests prepare_data.py reads (absolute paths, one per line).
find "$pkgs" -type f | grep -Ei "$video_re" | sort > "$data/videos.txt"
find "$pkgs" -type f | grep -Ei "$photo_re" | grep -E '/(backgrounds|wallpapers)/' | sort > "$data/photos.txt"
echo "[fetch] $(wc -l < "$data/videos.txt") videos, $(wc -l < "$data/photos.txt") photographs listed in $data"
