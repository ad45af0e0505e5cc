#!/usr/bin/env bash
# The container lane's tools: podman builds and runs vidpipe's images on this host, with no
# image registry. The base image is a stand-in built from Debian packages (mmdebstrap) with the
# Python minor version of the Dockerfiles' default base (python:3.11-slim-bookworm): Debian
# bookworm's python3 is 3.11. See the comment at PYTHON_IMAGE in each Dockerfile.
# Usage: containers.sh install          apt packages podman, runc, mmdebstrap (skipped when present)
#        containers.sh base             the stand-in base image (skipped when present)
#        containers.sh build [folder...] build the images (default: chunking-worker video-worker
#                                       media-worker cli), tagged localhost/vidpipe/<folder>:ci
#        containers.sh conf             print the path of the containers.conf that runs need
# Runs: `CONTAINERS_CONF=$(containers.sh conf) podman $(containers.sh run-flags) run ...`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib.sh

BASE_IMAGE=localhost/vidpipe-python:3.11-bookworm
IMAGE_TAG=ci
DEFAULT_IMAGES=(chunking-worker video-worker media-worker cli)
# Generated at run time (never committed): containers.conf, and the pip/uv files that point them
# at this machine's CA bundle during a build.
STATE_DIR=${VIDPIPE_CONTAINERS_DIR:-${TMPDIR:-/tmp}/vidpipe-containers-$(id -u)}

as_root() {
    if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

install() {
    local missing=() tool
    for tool in podman runc mmdebstrap; do
        command -v "$tool" >/dev/null || missing+=("$tool")
    done
    ((${#missing[@]} == 0)) && return 0
    log "installing ${missing[*]} (apt-get)"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        podman runc mmdebstrap uidmap >/dev/null
}

# No cgroup v2 delegation and no raised ulimits on our build machines: runc with cgroupfs,
# and no default ulimits (podman's defaults are refused).
conf() {
    mkdir -p "$STATE_DIR"
    printf '[containers]\ndefault_ulimits = []\n' >"$STATE_DIR/containers.conf"
    echo "$STATE_DIR/containers.conf"
}

podman_() {
    CONTAINERS_CONF=$(conf) podman --runtime runc --cgroup-manager cgroupfs "$@"
}

# This machine's CA bundle, as its own configuration names it: pip's, then OpenSSL's.
ca_bundle() {
    local bundle=${PIP_CERT:-${SSL_CERT_FILE:-}}
    if [[ -z $bundle || ! -f $bundle ]]; then
        bundle=$(python3 -c 'import ssl; print(ssl.get_default_verify_paths().cafile or "")')
    fi
    if [[ -z $bundle || ! -f $bundle ]]; then
        log "no CA bundle found (PIP_CERT, SSL_CERT_FILE, OpenSSL's default)"
        exit 1
    fi
    echo "$bundle"
}

base() {
    install
    if podman_ image exists "$BASE_IMAGE"; then
        return 0
    fi
    log "building the stand-in base $BASE_IMAGE from Debian bookworm (mmdebstrap)"
    mkdir -p "$STATE_DIR"
    local tar=$STATE_DIR/base.tar
    # /usr/local/bin/python and pip as in the python images; pip may install into the system
    # interpreter (the python images have no EXTERNALLY-MANAGED marker either).
    mmdebstrap --quiet --variant=minbase --include=python3,python3-venv,python3-pip,ca-certificates \
        --customize-hook='chroot "$1" ln -sf /usr/bin/python3 /usr/local/bin/python' \
        --customize-hook='chroot "$1" ln -sf /usr/bin/pip3 /usr/local/bin/pip' \
        --customize-hook='rm -f "$1"/usr/lib/python3*/EXTERNALLY-MANAGED' \
        bookworm "$tar"
    podman_ import --quiet "$tar" "$BASE_IMAGE" >/dev/null
    rm -f "$tar"
}

build() {
    local folders=("$@") folder bundle
    ((${#folders[@]})) || folders=("${DEFAULT_IMAGES[@]}")
    base
    bundle=$(ca_bundle)
    mkdir -p "$STATE_DIR"
    printf '[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n' >"$STATE_DIR/pip.conf"
    printf 'native-tls = true\n' >"$STATE_DIR/uv.toml"
    for folder in "${folders[@]}"; do
        log "building localhost/vidpipe/$folder:$IMAGE_TAG"
        # --format docker keeps HEALTHCHECK; the mounts exist during the build only.
        podman_ build --quiet --isolation=chroot --network host --format docker \
            -v "$bundle:/etc/ssl/certs/ca-certificates.crt:ro" \
            -v "$STATE_DIR/pip.conf:/etc/pip.conf:ro" \
            -v "$STATE_DIR/uv.toml:/etc/uv/uv.toml:ro" \
            --build-arg "PYTHON_IMAGE=$BASE_IMAGE" \
            -f "packages/$folder/Dockerfile" -t "localhost/vidpipe/$folder:$IMAGE_TAG" . >/dev/null
    done
}

command=${1:?usage: containers.sh install|base|build [folder...]|conf}
shift
case $command in
install) install ;;
base) base ;;
build) build "$@" ;;
conf) conf ;;
*)
    log "unknown command $command"
    exit 2
    ;;
esac
