#!/usr/bin/env bash
# Prepare this machine for vidpipe; every step is skipped when already done, so it is cheap to
# repeat. Steps: ffmpeg/ffprobe (apt), node_modules (npm ci), .venvs/_tools (the pinned uv), and
# one environment per package (.venvs/<folder>, brought in line with the locks by scripts/env.sh).
# Usage: setup.sh [package-folder...]   (default: every package present)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib.sh

if ! command -v ffmpeg >/dev/null || ! command -v ffprobe >/dev/null; then
    log "installing ffmpeg (apt-get)"
    sudo=()
    if [[ $(id -u) -ne 0 ]]; then
        sudo=(sudo)
    fi
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ffmpeg >/dev/null
fi

# The web console's browser tests drive Debian's chromium (Playwright cannot fetch its own here).
if ! command -v chromium >/dev/null; then
    log "installing chromium (apt-get)"
    sudo=()
    if [[ $(id -u) -ne 0 ]]; then
        sudo=(sudo)
    fi
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi

if ! command -v npm >/dev/null; then
    log "Node.js 20 or newer (with npm) is needed: see https://nodejs.org"
    exit 1
fi
# npm writes node_modules/.package-lock.json on every install: older than the lockfile = stale.
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
    log "installing node_modules (npm ci)"
    npm ci --no-audit --no-fund --loglevel=error
fi

ensure_tools

if [[ $# -gt 0 ]]; then
    folders=("$@")
else
    mapfile -t folders < <(all_packages)
fi
for folder in "${folders[@]}"; do
    bash scripts/env.sh "$folder"
done
