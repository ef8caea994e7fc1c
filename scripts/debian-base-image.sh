#!/usr/bin/env bash
# Makes a Debian 12 (bookworm) base image for container/Dockerfile where no
# container registry can be reached but Debian's package mirror can: a minimal
# root filesystem from debootstrap, imported into podman's local storage as
# localhost/wfvae-debian:bookworm-slim. Needs root, debootstrap and podman
# (apt-get install debootstrap podman). The container test uses it when present
# (or WFVAE_CONTAINER_BASE names another); `npm run container -- --base
# localhost/wfvae-debian:bookworm-slim` builds the image on it.
set -euo pipefail
TAG=${1:-localhost/wfvae-debian:bookworm-slim}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
if podman image exists "$TAG"; then echo "$TAG exists"; exit 0; fi
command -v debootstrap >/dev/null || { echo "debootstrap is not installed (apt-get install debootstrap)" >&2; exit 1; }
ROOTFS=$(mktemp -d /tmp/wfvae-rootfs-XXXXXX)
trap 'rm -rf "$ROOTFS"' EXIT
debootstrap --variant=minbase bookworm "$ROOTFS" "$MIRROR"
# As the official slim image: no apt lists, no docs, no cache.
rm -rf "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/cache/apt/*.bin "$ROOTFS"/usr/share/doc/* "$ROOTFS"/usr/share/man/*
printf 'deb %s bookworm main\ndeb %s bookworm-updates main\ndeb http://deb.debian.org/debian-security bookworm-security main\n' "$MIRROR" "$MIRROR" > "$ROOTFS/etc/apt/sources.list"
tar -C "$ROOTFS" --numeric-owner -c . | podman import --change 'CMD ["bash"]' - "$TAG"
echo "imported $TAG"
