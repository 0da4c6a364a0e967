#!/usr/bin/env bash
# Prints the command line of the first usable container tool for a task, so that the
# Makefile and scripts work with docker, podman or buildah, whichever is present.
# Usage: deploy/container-tool.sh build|import|run
# A docker client without a reachable daemon does not count. podman and buildah use
# the vfs driver and chroot isolation: they then need neither a daemon, overlayfs
# nor user namespaces, which sandboxes and CI runners often lack.
set -euo pipefail

task=${1:?usage: container-tool.sh build|import|run}

has() { command -v "$1" >/dev/null 2>&1; }

if has docker && docker info >/dev/null 2>&1; then
    case $task in
        build) echo "docker build" ;;
        import) echo "docker import" ;;
        run) echo "docker run" ;;
    esac
    exit 0
fi
if has podman; then
    case $task in
        # --format docker keeps HEALTHCHECK, which the OCI image format has no field for.
        build) echo "podman --storage-driver vfs build --isolation chroot --format docker" ;;
        import) echo "podman --storage-driver vfs import" ;;
        run) echo "podman --storage-driver vfs run" ;;
    esac
    exit 0
fi
if has buildah; then
    case $task in
        build) echo "buildah --storage-driver vfs bud --isolation chroot --format docker" ;;
        # buildah has no import; it cannot run the image as a container either.
        import | run) echo "container-tool: buildah cannot $task; install podman or docker" >&2; exit 1 ;;
    esac
    exit 0
fi
echo "container-tool: none of docker (with a daemon), podman or buildah is installed" >&2
exit 1
