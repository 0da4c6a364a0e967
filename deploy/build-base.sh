#!/usr/bin/env bash
# Builds a local stand-in for python:3.11-slim-bookworm from Debian's own packages
# (debootstrap) and imports it as an image, for machines that cannot pull from a
# registry. Pass the result as the Dockerfile's BASE_IMAGE (make image does).
# Usage: deploy/build-base.sh [TAG]   (as root; needs debootstrap and podman or docker)
set -euo pipefail

tag=${1:-localhost/hybridgate-base:bookworm}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
runtime=$(deploy/container-tool.sh import)
# Kept (git-ignored) so that a failed import does not repeat the download.
tarball=build/base/rootfs.tar

if [ ! -f "$tarball" ]; then
    work=$(mktemp -d /var/tmp/hybridgate-base.XXXXXX)
    trap 'rm -rf "$work"' EXIT
    # minbase: essential packages and apt only, like the slim images; python3-venv for
    # the builder's virtual environment, ca-certificates for pip and outbound TLS.
    debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
        bookworm "$work/rootfs" "$mirror"
    # What the slim images leave out too: package lists, caches, docs.
    rm -rf "$work/rootfs"/var/lib/apt/lists/* "$work/rootfs"/var/cache/apt/* \
        "$work/rootfs"/usr/share/doc/* "$work/rootfs"/usr/share/man/*
    mkdir -p "$(dirname "$tarball")"
    tar --numeric-owner -C "$work/rootfs" -cf "$tarball.part" .
    mv "$tarball.part" "$tarball"
fi
$runtime --change 'ENV LANG=C.UTF-8' --change 'CMD ["python3"]' "$tarball" "$tag"
echo "base image: $tag"
